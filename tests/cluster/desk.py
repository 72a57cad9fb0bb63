"""The cluster test's two looks inside the desk, each run as a child process on the cluster's database
(`python -m tests.cluster.desk setup|census`), printing JSON: the test process itself never connects to it.

setup:  the demo desk, a mailbox for the mail receiver, API tokens for the load's agents and customers.
census: what is stored, for the test to compare with what its clients were told.
"""

import json
import sys
from collections import Counter, defaultdict

AGENTS = ["agent1", "agent2", "lead1"]
CUSTOMERS = ["customer1", "customer2", "customer3"]
MAILBOX = "support@cluster.test"


def setup() -> dict:
    from django.core.management import call_command

    from servicedesk.accounts.models import ApiToken, Desk, Group, User
    from servicedesk.intake.models import Mailbox

    call_command("demo", no_tickets=True, stdout=open("/dev/null", "w"))
    first_line = Group.objects.get(name="Service Desk (1st line)")
    Mailbox.objects.create(name="Support", address=MAILBOX, desk=Desk.objects.first(), default_group=first_line)
    people = {u.username: u for u in User.objects.filter(username__in=AGENTS + CUSTOMERS)}
    return {
        "first_line": first_line.pk,
        "sla_due": overdue_tickets(people, first_line),
        "users": {name: {"id": u.pk, "email": u.email, "token": ApiToken.issue(u)[1]} for name, u in people.items()},
    }


def overdue_tickets(people: dict, group, count: int = 20) -> int:
    """Tickets opened a month ago and never answered: every threshold of both clocks is due, for the workers'
    periodic evaluation to fire during the load. Returns how many thresholds are due."""
    from datetime import timedelta

    from django.utils import timezone

    from servicedesk.core import appendonly
    from servicedesk.sla import tracking
    from servicedesk.sla.models import PendingThreshold
    from servicedesk.tickets import actions
    from servicedesk.tickets.models import HistoryEntry, Ticket

    long_ago = timezone.now() - timedelta(days=30)
    for n in range(count):
        ticket = actions.create_ticket(actor=people["agent1"], title=f"Overdue {n}", requester=people["customer1"],
                                       priority=1 + n % 4, group=group, assignee=people["agent1"])
        Ticket.objects.filter(pk=ticket.pk).update(created_at=long_ago)
        with appendonly.lifted():  # history is append-only: moved back in time with the guard off
            HistoryEntry.objects.filter(ticket=ticket).update(at=long_ago)
        tracking.recompute_ticket(ticket.pk)
    return PendingThreshold.objects.filter(at__lte=timezone.now()).count()


def census() -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from servicedesk.accounts.identity import system_user
    from servicedesk.intake.models import InboundMessage
    from servicedesk.notify import planning
    from servicedesk.notify.models import OutboundMessage
    from servicedesk.search import index
    from servicedesk.sla.models import PendingThreshold, SlaEvent
    from servicedesk.tickets.models import Attachment, HistoryEntry, Ticket

    system = system_user().pk
    versions = defaultdict(set)  # ticket → versions its history records
    by_people = defaultdict(set)  # ticket → versions changed by a person (not the desk's own account)
    for ticket_id, version, actor in HistoryEntry.objects.values_list("ticket_id", "version", "actor_id"):
        versions[ticket_id].add(version)
        if actor != system:
            by_people[ticket_id].add(version)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ticket_id FROM {index.PG_TABLE}")
        indexed = {row[0] for row in cursor.fetchall()}
    tickets = list(Ticket.objects.values_list("id", "number", "title", "version"))
    sla_twice = (SlaEvent.objects.values("ticket_id", "key", "percent").annotate(n=Count("id"))
                 .filter(n__gt=1).count())
    attachments = [{"id": a.pk, "ticket": a.ticket_id, "size": a.size, "name": a.file.name,
                    "on_disk": a.file.storage.exists(a.file.name) and a.file.storage.size(a.file.name)}
                   for a in Attachment.objects.all()]
    return {
        "tickets": {str(pk): {"number": number, "title": title, "version": version,
                              "history_versions": sorted(versions[pk]), "by_people": len(by_people[pk])}
                    for pk, number, title, version in tickets},
        "unindexed": sorted({t[0] for t in tickets} - indexed),
        "mail": [{"message_id": m.message_id, "state": m.state, "ticket": m.ticket_id}
                 for m in OutboundMessage.objects.filter(channel="email")],
        "mail_states": dict(Counter(OutboundMessage.objects.values_list("state", flat=True))),
        "mail_errors": dict(Counter(e[:100] for e in OutboundMessage.objects.exclude(last_error="")
                                    .values_list("last_error", flat=True))),
        "unplanned_changes": len(planning.plan_pending()),
        "sla_events": SlaEvent.objects.count(),
        "sla_due": PendingThreshold.objects.filter(at__lte=timezone.now()).count(),
        "sla_fired_twice": sla_twice,
        "inbound": dict(Counter(InboundMessage.objects.values_list("state", flat=True))),
        "inbound_tickets": {m.message_id: m.ticket_id for m in InboundMessage.objects.exclude(ticket=None)},
        "attachments": attachments,
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps({"setup": setup, "census": census}[sys.argv[1]]()))
