"""Sending a planned report mail (a Mailing row) exactly once: claimed with one conditional UPDATE (core/outbox.py,
queued → sending, which only one worker wins), the report computed as the subscriber sees it, written in their
language and time zone (figures in the text and HTML body, the Excel attached), sent, then marked sent. A failure
goes back to queued with a backoff; a permanent refusal or too many attempts leaves it failed with the reason. A
worker that died while sending leaves the row "sending": the sweep queues it again after the timeout, and the
copy carries the same Message-ID."""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.core import outbox
from servicedesk.core.errors import ActionError
from servicedesk.core.outbox import Outcome
from servicedesk.notify.sending import from_address, is_permanent
from servicedesk.reports import export, kpis, scope

from .actions import filters_for, unsubscribe_token
from .models import Mailing, MailingState

log = logging.getLogger(__name__)


def unsubscribe_url(mailing: Mailing) -> str:
    return settings.SERVICEDESK_BASE_URL + reverse("reportmail_unsubscribe", args=[unsubscribe_token(
        mailing.subscription)])


def _subject(mailing: Mailing, desk_name: str) -> str:
    words = mailing.subscription.report_name
    if mailing.period_start == mailing.period_end:
        days = mailing.period_start.isoformat()
    else:
        days = f"{mailing.period_start.isoformat()} – {mailing.period_end.isoformat()}"
    name = f" · {mailing.subscription.name}" if mailing.subscription.name else ""
    return f"[{desk_name}] {words}{name}: {days}"


def _lines(report: kpis.Report) -> list[dict]:
    previous = report.previous or {}
    lines = []
    for key, value in report.values.items():
        kpi = kpis.KPIS[key]
        before = previous.get(key)
        lines.append({"section": export.section_label(kpi.section), "label": str(kpi.label),
                      "value": export.display(value.total, kpi.unit), "count": value.count,
                      "previous": export.display(before.total if before else None, kpi.unit),
                      "definition": str(kpi.definition)})
    return lines


def build_message(mailing: Mailing, connection=None) -> EmailMultiAlternatives:
    """The mail of one period, as its subscriber reads it (their language, zone and scope)."""
    subscription = mailing.subscription
    user = subscription.user
    if not user.is_active or not scope.may_view_reports(user):
        raise ActionError(_("The subscriber may no longer see reports."))
    with translation.override(subscription.language), timezone.override(zoneinfo.ZoneInfo(subscription.time_zone)):
        filters = filters_for(subscription, mailing.period_start, mailing.period_end)
        table_keys = subscription.keys or None
        report = kpis.compute(user, filters, table_keys, compare=True)
        breakdowns = {"group": {key: kpis.breakdown(user, key, filters, "group") for key in report.values}} \
            if scope.may_view_desk_reports(user) else {}
        table = export.as_table(report, breakdowns)
        desk_name = settings.SERVICEDESK_NAME or _("Service Desk")
        context = {
            "desk_name": desk_name, "recipient": user.display_name, "subscription": subscription,
            "report_name": subscription.report_name, "start": mailing.period_start,
            "end": mailing.period_end, "time_zone": subscription.time_zone, "lines": _lines(report),
            "previous_start": filters.previous().start, "previous_end": filters.previous().end,
            "unsubscribe_url": unsubscribe_url(mailing),
            "console_url": settings.SERVICEDESK_BASE_URL + reverse("console:reports_subscriptions"),
        }
        text = render_to_string("reportmail/email/report.txt", context)
        html = render_to_string("reportmail/email/report.html", context)
        subject = _subject(mailing, desk_name)
        attachment = (table.filename + ".xlsx", export.to_xlsx(table),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    headers = {"Message-ID": f"<{mailing.message_id}>", "Auto-Submitted": "auto-generated",
               "X-Auto-Response-Suppress": "All", "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=from_address(None), to=[user.email],
                                     headers=headers, connection=connection)
    message.attach_alternative(html, "text/html")
    message.attach(*attachment)
    return message


def send_mailing(pk: int, now: datetime.datetime | None = None) -> Outcome | None:
    """Claim, send and mark one mailing. None when there was nothing to claim (sent, being sent, not due)."""
    now = now or timezone.now()
    if not outbox.claim(Mailing.objects.filter(pk=pk), now):
        return None
    mailing = Mailing.objects.select_related("subscription__user").get(pk=pk)
    try:
        if not mailing.subscription.user.email:
            raise ActionError(_("The subscriber has no e-mail address."))
        with get_connection(fail_silently=False) as connection:
            build_message(mailing, connection).send()
    except Exception as error:
        reason = (error.message if isinstance(error, ActionError) else f"{type(error).__name__}: {error}")[:2000]
        limit = int(settings.SERVICEDESK_REPORT_MAIL_MAX_ATTEMPTS)
        for_good = isinstance(error, ActionError) or is_permanent(error) or mailing.attempts >= limit
        return outbox.failed(Mailing.objects.filter(pk=pk, state=MailingState.SENDING), now=now,
                             attempts=mailing.attempts, for_good=for_good, what=f"Report mailing {pk}",
                             reason=reason, log=log, last_error=reason)
    Mailing.objects.filter(pk=pk, state=MailingState.SENDING).update(
        state=MailingState.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error="")
    return Outcome(MailingState.SENT)


def due_mailings(now: datetime.datetime | None = None, limit: int = 100) -> list[int]:
    """Mailings to send now: queued and due, and those a stopped worker left sending (queued again)."""
    now = now or timezone.now()
    outbox.release_stale(Mailing.objects.all(), now, int(settings.SERVICEDESK_REPORT_MAIL_SENDING_TIMEOUT_MINUTES),
                         _("The sender stopped while sending (crash or restart); sending again with the same "
                           "Message-ID."))
    return list(outbox.due(Mailing.objects.all(), now).order_by("created_at", "id").values_list("pk", flat=True)
                [:limit])
