"""Every change to approvals, one function each (docs/architecture.md's shape): each runs in one transaction,
locks the request, checks who may and the version the caller loaded, writes, records the audit trail and the
ticket's history, and announces after commit (`approval_decided`, the approvers' and requester's mail).

A request runs its policy's steps in order. When a step begins, the people it asks are resolved once and kept
(`Approver` rows: a group's members, the requester's manager or department head at that moment); they decide in
parallel, one of them ("any") or every one of them ("all", 会签). A rejection by anyone ends the request.
Someone away hands their approvals to a delegate for a time (`Delegation`): the delegate decides for them.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Group, GroupKind, User
from servicedesk.core import audit, links
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Ticket, TicketType

from . import visibility
from .models import (
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStep,
    Approver,
    ApproverKind,
    Decision,
    Delegation,
    Outcome,
    State,
)
from .signals import approval_decided

LINK_PURPOSE = "approval"
# Long enough for a decision after a holiday; the request's state makes a late click change nothing.
LINK_MAX_AGE = datetime.timedelta(days=30)
MAX_COMMENT = 4000

audit.register_events([
    ("approval_decision", gettext_lazy("approval decision")),
    ("approval_step", gettext_lazy("approval step began")),
    ("approval_reminder", gettext_lazy("approval reminder sent")),
])


# ---------------------------------------------------------------------------------------------
# Who approves


def department_of(user: User) -> Group | None:
    """The requester's department: the first active department group they belong to."""
    return (Group.objects.filter(kind=GroupKind.DEPARTMENT, members=user, is_active=True)
            .select_related("head").order_by("name").first())


def _resolve(step: ApprovalStep, requester: User) -> list[User]:
    """The people a step asks for this requester, in a stable order; never the requester themselves."""
    found: dict[int, User] = {}
    for entry in step.approvers.select_related("user", "group").order_by("id"):
        if entry.kind == ApproverKind.USER:
            people = [entry.user] if entry.user else []
        elif entry.kind == ApproverKind.GROUP:
            people = list(entry.group.members.order_by("username")) if entry.group else []
        elif entry.kind == ApproverKind.MANAGER:
            people = [requester.manager] if requester.manager_id else []
        else:
            department = department_of(requester)
            people = [department.head] if department is not None and department.head_id else []
        for person in people:
            if person.is_active and person.pk != requester.pk and not person.is_system_identity:
                found.setdefault(person.pk, person)
    return list(found.values())


def _active_delegations(now: datetime.datetime) -> Q:
    return Q(starts__lte=now, ends__gt=now)


def _undecided(request: ApprovalRequest) -> list[User]:
    """The people asked in the current step who have not decided (themselves or through a delegate)."""
    decided = set()
    for approver_id, on_behalf_of_id in Decision.objects.filter(request=request, step=request.step).values_list(
            "approver_id", "on_behalf_of_id"):
        decided.add(on_behalf_of_id or approver_id)
    asked = Approver.objects.filter(request=request, step=request.step).select_related("user").order_by("id")
    return [a.user for a in asked if a.user_id not in decided]


def approvers_for(request: ApprovalRequest) -> list[User]:
    """Who may decide the request now: the undecided approvers of its current step and, for those away,
    their delegates."""
    if request.state != State.PENDING:
        return []
    undecided = _undecided(request)
    delegates = (Delegation.objects.filter(_active_delegations(timezone.now()), user__in=undecided)
                 .select_related("delegate").order_by("id"))
    people = {u.pk: u for u in undecided}
    for delegation in delegates:
        if delegation.delegate.is_active:
            people.setdefault(delegation.delegate_id, delegation.delegate)
    return list(people.values())


def _deciding_for(request: ApprovalRequest, actor: User) -> User | None:
    """Whom `actor` decides for: themselves when asked, else the undecided approver who delegated to them."""
    undecided = _undecided(request)
    if any(u.pk == actor.pk for u in undecided):
        return actor
    delegation = (Delegation.objects.filter(_active_delegations(timezone.now()), delegate=actor,
                                            user__in=undecided).select_related("user").order_by("id").first())
    return delegation.user if delegation is not None else None


def pending_for(user: User):
    """The requests waiting for `user`'s decision (as an approver, or as a delegate now), oldest deadline first."""
    now = timezone.now()
    for_whom = [user.pk, *Delegation.objects.filter(_active_delegations(now), delegate=user)
                .values_list("user_id", flat=True)]
    decided = Decision.objects.filter(request=OuterRef("request"), step=OuterRef("step")).filter(
        Q(on_behalf_of=OuterRef("user")) | Q(on_behalf_of__isnull=True, approver=OuterRef("user")))
    asked = Approver.objects.filter(request=OuterRef("pk"), step=OuterRef("step"), user_id__in=for_whom).exclude(
        Exists(decided))
    return (ApprovalRequest.objects.filter(state=State.PENDING).filter(Exists(asked))
            .select_related("ticket", "policy", "requested_by", "ticket__requester")
            .order_by("deadline", "id"))


def may_decide(request: ApprovalRequest, user: User) -> bool:
    return request.state == State.PENDING and _deciding_for(request, user) is not None


# ---------------------------------------------------------------------------------------------
# Requesting


def _policy_steps(policy: ApprovalPolicy) -> list[ApprovalStep]:
    return list(policy.steps.order_by("order"))


def _begin_step(request: ApprovalRequest, step: ApprovalStep, now: datetime.datetime) -> list[User]:
    people = _resolve(step, request.ticket.requester)
    if not people:
        raise ActionError(
            _("Nobody can approve step %(step)s of “%(policy)s” for %(requester)s (no such person, manager or "
              "department head): give the requester one, or change the policy.")
            % {"step": step.order, "policy": request.policy.local_name,
               "requester": request.ticket.requester.display_name})
    request.step = step.order
    request.step_started_at = now
    request.deadline = now + datetime.timedelta(hours=request.policy.deadline_hours)
    request.reminded_at = None
    Approver.objects.bulk_create([Approver(request=request, step=step.order, user=u) for u in people])
    return people


def _tell_approvers(request: ApprovalRequest) -> None:
    from . import tasks

    pk, step = request.pk, request.step
    transaction.on_commit(lambda: tasks.mail_approvers.delay(pk, step))


@transaction.atomic
def request_approval(ticket: Ticket | int, *, policy: ApprovalPolicy, actor: User, channel: str) -> ApprovalRequest:
    """Start the approval of `ticket` under `policy`: its first step's approvers are asked (mail with signed
    links) and the ticket waits — pending with reason "approval", its SLA clock stopped, when the policy pauses
    the clock."""
    if not (actor.is_desk_staff or actor.is_system_identity):
        raise NotAllowed(_("Only desk staff may ask for an approval."))
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    ticket = Ticket.objects.select_for_update().select_related("requester").filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("Ticket not found."))
    if not policy.is_active:
        raise ActionError(_("The approval policy “%(policy)s” is not active.") % {"policy": policy.local_name})
    steps = _policy_steps(policy)
    if not steps:
        raise ActionError(_("The approval policy “%(policy)s” has no steps.") % {"policy": policy.local_name})
    if ApprovalRequest.objects.filter(ticket=ticket, state=State.PENDING).exists():
        raise Conflict(_("%(number)s is already waiting for an approval.") % {"number": ticket.number})
    now = timezone.now()
    request = ApprovalRequest(ticket=ticket, policy=policy, requested_by=actor, requested_at=now,
                              paused_clock=policy.pause_clock)
    request.save()
    _begin_step(request, steps[0], now)
    request.save(update_fields=["step", "step_started_at", "deadline", "reminded_at"])
    audit.record_created(request, actor=actor, channel=channel,
                         fields=["ticket", "policy", "state", "step", "deadline"])
    ticket_actions.wait_for_approval(ticket, actor=actor, channel=channel, pend=policy.pause_clock,
                                     note=policy.name)
    _tell_approvers(request)
    return request


# ---------------------------------------------------------------------------------------------
# Deciding


def _lock(request: ApprovalRequest | int, expected_version: int | None) -> ApprovalRequest:
    pk = request.pk if isinstance(request, ApprovalRequest) else request
    locked = (ApprovalRequest.objects.select_for_update(of=("self",))
              .select_related("ticket__requester", "policy").filter(pk=pk).first())
    if locked is None:
        raise NotFound(_("Approval not found."))
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(_("Someone else changed this approval since you loaded it (your version %(yours)s, now "
                         "%(now)s).") % {"yours": expected_version, "now": locked.version},
                       current_version=locked.version)
    return locked


def _refuse_decided(request: ApprovalRequest) -> None:
    if request.state != State.PENDING:
        raise Conflict(_("This approval was already decided: %(state)s.")
                       % {"state": request.get_state_display().lower()}, current_version=request.version)


def _step_complete(request: ApprovalRequest, step: ApprovalStep) -> bool:
    if step.mode == ApprovalStep.Mode.ANY:
        return True
    return not _undecided(request)


def _rejection_reply(request: ApprovalRequest, actor: User, comment: str) -> str:
    reply = _("Your request was not approved (%(policy)s), by %(name)s.") % {
        "policy": request.policy.local_name, "name": actor.display_name}
    return f"{reply}\n\n{comment}" if comment else reply


@transaction.atomic
def decide(request: ApprovalRequest | int, *, actor: User, outcome: str, comment: str = "", channel: str,
           expected_version: int | None = None) -> ApprovalRequest:
    """Approve or reject, with an optional comment, for oneself or for the approver one stands in for. The
    last approval of the last step approves the request and the ticket resumes; any rejection rejects it and
    the requester is told (a service request is closed; a change's domain rejects the change)."""
    request = _lock(request, expected_version)
    _refuse_decided(request)
    if outcome not in Outcome.values:
        raise ActionError(_("A decision is “approve” or “reject”."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ActionError(_("The comment is too long: at most %(limit)s characters.") % {"limit": MAX_COMMENT})
    for_whom = _deciding_for(request, actor)
    if for_whom is None:
        raise NotAllowed(_("You are not an approver of this request."))
    now = timezone.now()
    before = audit.snapshot(request, ["state", "step", "decided_at"])
    Decision.objects.create(request=request, step=request.step, approver=actor,
                            on_behalf_of=None if for_whom.pk == actor.pk else for_whom,
                            outcome=outcome, comment=comment, at=now, channel=channel)
    behalf = "" if for_whom.pk == actor.pk else f" (for {for_whom.username})"
    audit.record_event(request, "approval_decision", actor=actor, channel=channel,
                       note=f"{outcome}{behalf}: {comment}"[:500],
                       changes={"step": ("", str(request.step))})
    ticket_actions.record_approval_step(request.ticket, actor=actor, channel=channel, event="approval_decision",
                                        new=outcome, note=comment[:500])
    steps = _policy_steps(request.policy)
    step = next(s for s in steps if s.order == request.step)
    finished = None
    if outcome == Outcome.REJECT:
        finished = State.REJECTED
    elif _step_complete(request, step):
        later = [s for s in steps if s.order > step.order]
        if later:
            _begin_step(request, later[0], now)
            ticket_actions.record_approval_step(request.ticket, actor=system_user(), channel=channel,
                                                event="approval_step", new=str(later[0].order), note="")
            _tell_approvers(request)
        else:
            finished = State.APPROVED
    request.version += 1
    if finished is not None:
        request.state, request.decided_at = finished, now
        _finish_ticket(request, finished, actor, comment, channel)
    request.save(update_fields=["state", "step", "step_started_at", "deadline", "reminded_at", "decided_at",
                                "version"])
    audit.record_change(request, before, actor=actor, channel=channel)
    if finished is not None:
        decided = request
        transaction.on_commit(lambda: approval_decided.send(sender=ApprovalRequest, request=decided,
                                                            outcome=finished.value))
    return request


def _finish_ticket(request: ApprovalRequest, state: str, actor: User, comment: str, channel: str) -> None:
    ticket = request.ticket
    # A rejected change is the change domain's to reject (it listens to approval_decided); anything else that
    # was asked for is closed as rejected, the requester told why.
    closes = state == State.REJECTED and ticket.type != TicketType.CHANGE_REQUEST
    ticket_actions.end_approval_wait(
        ticket, actor=system_user(), channel=channel, event=f"approval_{state}",
        note=request.policy.name, close_with=_rejection_reply(request, actor, comment) if closes else "")


@transaction.atomic
def cancel(request: ApprovalRequest | int, *, actor: User, channel: str,
           expected_version: int | None = None) -> ApprovalRequest:
    """Withdraw a pending approval (desk staff): the ticket stops waiting for it; nobody decided."""
    if not (actor.is_desk_staff or actor.is_system_identity):
        raise NotAllowed(_("Only desk staff may cancel an approval."))
    request = _lock(request, expected_version)
    _refuse_decided(request)
    before = audit.snapshot(request, ["state", "decided_at"])
    request.state, request.decided_at, request.version = State.CANCELLED, timezone.now(), request.version + 1
    request.save(update_fields=["state", "decided_at", "version"])
    audit.record_change(request, before, actor=actor, channel=channel)
    ticket_actions.end_approval_wait(request.ticket, actor=actor, channel=channel, event="approval_cancelled",
                                     note=request.policy.name)
    return request


# ---------------------------------------------------------------------------------------------
# Signed links in the mail: the token names the request, the person it was sent to and the step


def link_token(request: ApprovalRequest, user: User) -> str:
    return links.make(LINK_PURPOSE, request.pk, user.pk, request.step)


def read_link(token: str) -> tuple[ApprovalRequest, User] | None:
    """The request and the person a link was made for, or None for a forged, altered or expired link."""
    values = links.read(LINK_PURPOSE, token, LINK_MAX_AGE)
    if not values or len(values) != 3 or not all(v.isdigit() for v in values):
        return None
    request = (ApprovalRequest.objects.select_related("ticket__requester", "policy")
               .filter(pk=int(values[0])).first())
    user = User.objects.filter(pk=int(values[1]), is_active=True).first()
    if request is None or user is None:
        return None
    return request, user


def decide_by_link(token: str, *, outcome: str, comment: str = "") -> ApprovalRequest:
    """The decision from the mail, without signing in: the link's person decides (as asked, or as a delegate)."""
    found = read_link(token)
    if found is None:
        raise NotFound(_("This approval link is not valid (or too old)."))
    request, user = found
    return decide(request, actor=user, outcome=outcome, comment=comment, channel=audit.Channel.EMAIL)


# ---------------------------------------------------------------------------------------------
# Reminders


def remind_due(now: datetime.datetime | None = None) -> int:
    """Periodic: each pending request whose deadline is within its policy's reminder time is reminded once per
    step — the approvers who have not decided get the mail again. Claimed with a conditional update, so two
    schedulers at once remind once. Returns the requests reminded."""
    from . import tasks

    now = now or timezone.now()
    candidates = (ApprovalRequest.objects.filter(state=State.PENDING, reminded_at__isnull=True,
                                                 deadline__isnull=False, policy__remind_before_hours__gt=0)
                  .select_related("policy").order_by("deadline", "id"))
    count = 0
    for request in candidates:
        if request.deadline - datetime.timedelta(hours=request.policy.remind_before_hours) > now:
            continue
        with transaction.atomic():
            claimed = ApprovalRequest.objects.filter(pk=request.pk, state=State.PENDING, step=request.step,
                                                     reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue
            audit.record_event(request, "approval_reminder", actor=system_user(), channel=audit.Channel.SYSTEM,
                               changes={"step": ("", str(request.step))})
            pk, step = request.pk, request.step
            transaction.on_commit(lambda pk=pk, step=step: tasks.mail_approvers.delay(pk, step, True))
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Delegation while away


MAX_DELEGATION = datetime.timedelta(days=366)
FIRST_YEAR, LAST_YEAR = 2000, 2100


@transaction.atomic
def delegate(user: User, *, to: User, starts: datetime.datetime, ends: datetime.datetime, actor: User,
             channel: str) -> Delegation:
    """From `starts` until `ends`, `to` decides `user`'s approvals for them (an administrator may set it for
    anyone)."""
    if actor.pk != user.pk and not actor.sees_whole_desk:
        raise NotAllowed(_("You can only hand over your own approvals."))
    if not all(FIRST_YEAR <= moment.year <= LAST_YEAR for moment in (starts, ends)):
        raise ActionError(_("Choose dates between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    # A time without a zone (the API's, a form's) is in the caller's time zone.
    starts, ends = (timezone.make_aware(m) if timezone.is_naive(m) else m for m in (starts, ends))
    if not visibility.possible_delegates(actor).filter(pk=to.pk).exists():
        raise NotFound(_("User not found."))
    if to.pk == user.pk:
        raise ActionError(_("Choose someone else to decide for you."))
    if not to.is_active or to.is_system_identity:
        raise ActionError(_("%(name)s cannot decide approvals.") % {"name": to.display_name})
    if ends <= starts:
        raise ActionError(_("The delegation must end after it starts."))
    if ends - starts > MAX_DELEGATION:
        raise ActionError(_("A delegation lasts at most a year."))
    if ends <= timezone.now():
        raise ActionError(_("The delegation would already be over."))
    delegation = Delegation.objects.create(user=user, delegate=to, starts=starts, ends=ends)
    audit.record_created(delegation, actor=actor, channel=channel, fields=["user", "delegate", "starts", "ends"])
    pending = list(ApprovalRequest.objects.filter(state=State.PENDING, approvers__user=user,
                                                  approvers__step=F("step")).values_list("pk", "step"))
    if starts <= timezone.now():
        # The delegate learns of what already waits for the approver, with links of their own.
        from . import tasks

        transaction.on_commit(lambda: [tasks.mail_approvers.delay(pk, step) for pk, step in pending])
    return delegation


@transaction.atomic
def end_delegation(delegation: Delegation | int, *, actor: User, channel: str) -> None:
    """Withdraw a delegation (its approver, or an administrator)."""
    pk = delegation.pk if isinstance(delegation, Delegation) else delegation
    delegation = Delegation.objects.select_for_update().filter(pk=pk).first()
    if delegation is None or (delegation.user_id != actor.pk and not actor.sees_whole_desk):
        raise NotFound(_("Delegation not found."))
    audit.record_deleted(delegation, actor=actor, channel=channel)
    delegation.delete()
