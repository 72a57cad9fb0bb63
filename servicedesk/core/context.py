from django.conf import settings
from django.utils.translation import gettext as _


def branding(request):
    return {
        "desk_name": settings.SERVICEDESK_NAME or _("Service Desk"),
        "desk_logo_url": settings.SERVICEDESK_LOGO_URL,
    }
