from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "servicedesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from servicedesk.core import refdata

        from .models import Category, PriorityRule, Service, Transition

        refdata.watch(Category, Service, Transition, PriorityRule)
