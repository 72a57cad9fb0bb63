from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    name = "servicedesk.announcements"
    label = "announcements"
    verbose_name = _("Announcements")

    def ready(self):
        from servicedesk.core import refdata

        from .models import Announcement

        # The banner's list is cached (announcements.banner): any change of a notice, its services or its
        # organisations makes it stale in every process.
        refdata.watch(Announcement, Announcement.services.through, Announcement.organisations.through)
