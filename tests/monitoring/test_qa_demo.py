"""QA of issue 15: `make run`'s demo desk shows the new channels: an alert source with alerts that became
incidents (the ticket page's monitoring panel) and chat robots (a group's and a person's), all off the
network: the source has no token yet and the robots are switched off."""

import io

from django.core.management import call_command

from servicedesk.monitoring.models import Alert, AlertSource
from servicedesk.notify.models import Robot
from servicedesk.tickets.models import Ticket


def test_the_demo_has_an_alert_source_alerts_and_robots(db):
    call_command("demo", stdout=io.StringIO())
    source = AlertSource.objects.get(slug="prometheus")
    assert source.token_hash == ""
    alerts = {a.fingerprint: a for a in Alert.objects.select_related("ticket")}
    assert set(alerts) == {"demo-fs01-disk", "demo-vpn-gw"} and alerts["demo-fs01-disk"].count == 3
    assert all(a.ticket.channel == "monitoring" and a.ticket.group.name.endswith("(2nd line)")
               for a in alerts.values())
    robots = list(Robot.objects.all())
    assert {(r.group is not None, r.user is not None) for r in robots} == {(True, False), (False, True)}
    assert not any(r.is_active for r in robots)
    tickets = Ticket.objects.count()
    call_command("demo", stdout=io.StringIO())
    assert (Ticket.objects.count(), Alert.objects.count(), Robot.objects.count()) == (tickets, 2, 2)
