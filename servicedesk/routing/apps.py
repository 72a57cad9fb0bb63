from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "servicedesk.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self):
        from servicedesk.core import refdata
        from servicedesk.tickets import actions

        from . import engine
        from .models import RoutingRule, Tag

        refdata.watch(RoutingRule, Tag, RoutingRule.categories.through, RoutingRule.organisations.through,
                      RoutingRule.desks.through, RoutingRule.add_tags.through)

        # Inside the creating or routing transaction (see the hooks' contract in tickets.actions).
        actions.ticket_created.connect(engine.on_ticket_created, dispatch_uid="routing.on_ticket_created")
        actions.assignee_wanted.connect(engine.on_assignee_wanted, dispatch_uid="routing.on_assignee_wanted")
