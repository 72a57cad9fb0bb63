"""The admin site under the desk's own name.

Django's auth groups are not registered: the desk's people are given rights by their role, and its
groups are the resolver groups (accounts.Group); two entries both called "Groups" misled administrators.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.utils.functional import lazy
from django.utils.translation import gettext


def _title() -> str:
    return gettext("%(desk)s administration") % {"desk": settings.SERVICEDESK_NAME or gettext("Service Desk")}


# The desk's work in its order, the same in every language (Django sorts sections by translated name);
# sign-in lockouts (axes) beside the people.
APP_ORDER = ["accounts", "axes", "tickets", "routing", "sla", "intake", "notify", "console"]
_django_app_list = admin.site.get_app_list


def _app_list(request, app_label=None):
    apps = _django_app_list(request, app_label)
    return sorted(apps, key=lambda app: (APP_ORDER.index(app["app_label"]) if app["app_label"] in APP_ORDER
                                         else len(APP_ORDER)))


admin.site.get_app_list = _app_list
admin.site.site_header = lazy(_title, str)()
admin.site.site_title = lazy(_title, str)()
admin.site.index_title = lazy(gettext, str)("Desk configuration")
admin.site.unregister(AuthGroup)
