"""Every change to report subscriptions (docs/architecture.md's shape): subscribe, change, unsubscribe (in the
console, or by the signed link in a mail: core/links.py), and the scheduler's planning of each period's mail —
one Mailing row per subscription and period, whose unique key makes a second beat or a second worker plan
nothing."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import User
from servicedesk.core import audit, links
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.reports import kpis, scope
from servicedesk.reports.filters import DIMENSIONS, check_zone

from . import periods
from .models import Frequency, Mailing, Subscription

audit.register_events([("unsubscribed_by_link", gettext_lazy("unsubscribed by the link in a report mail"))])

FIELDS = ["name", "frequency", "query", "keys", "language", "time_zone"]
UNSUBSCRIBE_PURPOSE = "report-unsubscribe"
# A link in an old mail still unsubscribes: reports go on arriving until it is used.
UNSUBSCRIBE_MAX_AGE = datetime.timedelta(days=400)
# Parameters a subscription keeps: the report's narrowing. The dates are the period's, the zone the subscriber's.
KEPT = tuple(DIMENSIONS)


@dataclasses.dataclass
class SubscriptionInput:
    frequency: str
    language: str
    time_zone: str
    name: str = ""
    query: dict[str, str] = dataclasses.field(default_factory=dict)
    keys: list[str] = dataclasses.field(default_factory=list)


def may_subscribe(user) -> bool:
    """Whoever may see reports (an agent their own figures, a lead their groups', a manager the desk's)."""
    return scope.may_view_reports(user)


def filters_for(subscription: Subscription, start: datetime.date, end: datetime.date) -> kpis.Filters:
    """The report of one period: the saved narrowing, the period's days in the subscriber's zone."""
    params = {**subscription.query, "start": start.isoformat(), "end": end.isoformat(),
              "tz": subscription.time_zone, "granularity": "day"}
    return kpis.Filters.from_query(params, user=subscription.user, tz=subscription.time_zone)


def _clean(actor: User, data: SubscriptionInput) -> SubscriptionInput:
    if data.frequency not in Frequency.values:
        raise ActionError(_("Choose how often: daily, weekly or monthly."))
    check_zone("time_zone", data.time_zone)
    if data.language not in {code for code, _name in settings.LANGUAGES}:
        raise ActionError(_("Choose a language the desk writes in."))
    query = {name: str(value).strip() for name, value in (data.query or {}).items()
             if name in KEPT and str(value).strip()}
    keys = list(dict.fromkeys(data.keys or []))
    unknown = [key for key in keys if key not in kpis.KPIS]
    if unknown:
        raise ActionError(_("Unknown KPI: %(keys)s.") % {"keys": ", ".join(unknown)})
    # The narrowing must read, and be within what the subscriber may see: refused now, not at the first mail.
    today = timezone.now().date()
    filters = kpis.Filters.from_query({**query, "start": today.isoformat(), "end": today.isoformat()},
                                      user=actor, tz=data.time_zone).known()
    scope.restrict(actor, filters)
    return dataclasses.replace(data, name=" ".join(data.name.split())[:200], query=query, keys=keys)


def _apply(subscription: Subscription, data: SubscriptionInput, now: datetime.datetime) -> None:
    if subscription.pk is None or (subscription.frequency, subscription.time_zone) != (data.frequency,
                                                                                       data.time_zone):
        subscription.next_due_at = periods.next_due(data.frequency, data.time_zone, now)
    subscription.name, subscription.frequency = data.name, data.frequency
    subscription.query, subscription.keys = data.query, data.keys
    subscription.language, subscription.time_zone = data.language, data.time_zone


@transaction.atomic
def subscribe(data: SubscriptionInput, *, actor: User, channel: str,
              now: datetime.datetime | None = None) -> Subscription:
    """The actor's own subscription; the first mail is the one of the period running now, after it ends."""
    if not may_subscribe(actor):
        raise NotAllowed(_("Report subscriptions are for desk staff."))
    data = _clean(actor, data)
    subscription = Subscription(user=actor)
    _apply(subscription, data, now or timezone.now())
    subscription.save()
    audit.record_created(subscription, actor=actor, channel=channel, fields=["user", *FIELDS])
    return subscription


def lock_subscription(subscription: Subscription | int, actor: User,
                      expected_version: int | None = None) -> Subscription:
    """One of the actor's own subscriptions (anyone else's is not there for them)."""
    pk = subscription.pk if isinstance(subscription, Subscription) else subscription
    found = Subscription.objects.select_for_update().filter(pk=pk, user=actor).first()
    if found is None:
        raise NotFound(_("No such report subscription."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("This subscription changed since you loaded it; reload it and make your change again."))
    return found


@transaction.atomic
def change_subscription(subscription: Subscription | int, data: SubscriptionInput, *, actor: User, channel: str,
                        expected_version: int | None = None) -> Subscription:
    subscription = lock_subscription(subscription, actor, expected_version)
    if not may_subscribe(actor):
        raise NotAllowed(_("Report subscriptions are for desk staff."))
    data = _clean(actor, data)
    before = audit.snapshot(subscription, FIELDS)
    _apply(subscription, data, timezone.now())
    if not audit.diff(before, audit.snapshot(subscription, FIELDS)):
        return subscription
    subscription.version += 1
    subscription.save()
    audit.record_change(subscription, before, actor=actor, channel=channel)
    return subscription


@transaction.atomic
def unsubscribe(subscription: Subscription | int, *, actor: User, channel: str,
                expected_version: int | None = None) -> None:
    subscription = lock_subscription(subscription, actor, expected_version)
    audit.record_deleted(subscription, actor=actor, channel=channel)
    subscription.delete()


def unsubscribe_token(subscription: Subscription) -> str:
    return links.make(UNSUBSCRIBE_PURPOSE, subscription.pk)


def token_subscription_id(token: str) -> int | None:
    """The subscription a valid link names, else None (forged, altered, expired)."""
    values = links.read(UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)
    if values is None or len(values) != 1 or not values[0].isdigit():
        return None
    return int(values[0])


def subscription_for_token(token: str) -> Subscription | None:
    """The subscription a valid link names, if it still exists."""
    pk = token_subscription_id(token)
    return None if pk is None else Subscription.objects.select_related("user").filter(pk=pk).first()


@transaction.atomic
def unsubscribe_by_link(token: str, *, channel: str) -> bool:
    """The link's one click: the subscriber acts (the signed token stands for their sign-in). False when the
    subscription is gone already (a second click), which changes nothing."""
    pk = token_subscription_id(token)
    if pk is None:
        raise NotFound(_("This link is not valid."))
    subscription = Subscription.objects.select_for_update().select_related("user").filter(pk=pk).first()
    if subscription is None:
        return False
    audit.record_event(subscription, "unsubscribed_by_link", actor=subscription.user, channel=channel)
    audit.record_deleted(subscription, actor=subscription.user, channel=channel)
    subscription.delete()
    return True


# --- the scheduler's part --------------------------------------------------------------------------------------


def plan_due(now: datetime.datetime | None = None) -> list[int]:
    """Plan the mail of every period that has ended in its subscriber's zone and is not planned yet; returns the
    new mailings. Safe to run twice at once: the mailing of a (subscription, period) is made once (unique key);
    a desk that was down for several periods sends the latest only."""
    now = now or timezone.now()
    planned = []
    for subscription in Subscription.objects.filter(next_due_at__lte=now).order_by("next_due_at", "id"):
        made = plan_one(subscription, now)
        if made is not None:
            planned.append(made)
    return planned


def plan_one(subscription: Subscription, now: datetime.datetime) -> int | None:
    """The mailing of `subscription`'s latest ended period (None when it exists already), and its next due
    time moved on. `subscription` may be stale (read by a run that another run overtook)."""
    start, end = periods.last_ended(subscription.frequency, subscription.time_zone, now)
    following = periods.next_due(subscription.frequency, subscription.time_zone, now)
    try:
        with transaction.atomic():
            mailing = Mailing.objects.create(subscription=subscription, period_start=start, period_end=end)
    except IntegrityError:
        mailing = None
    # Only forward: a run that read the subscription earlier must not move it back.
    Subscription.objects.filter(pk=subscription.pk, next_due_at__lt=following).update(
        next_due_at=following, last_period=start)
    return mailing.pk if mailing is not None else None

