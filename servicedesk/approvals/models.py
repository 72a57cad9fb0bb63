"""Approval policies (who approves, in which steps) and the approval requests of tickets, with every decision."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group
from servicedesk.tickets.models import Category, Ticket


class ApprovalPolicy(models.Model):
    """Who must approve a ticket: its steps run in order; the approvers of one step decide in parallel."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    pause_clock = models.BooleanField(
        _("pause the SLA clock"), default=True,
        help_text=_("The ticket waits pending approval with its SLA clocks stopped; otherwise they keep running."),
    )
    deadline_hours = models.PositiveIntegerField(_("hours to decide"), default=72)
    remind_before_hours = models.PositiveIntegerField(
        _("remind this many hours before the deadline"), default=24, help_text=_("0: no reminder."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name


class ApprovalStep(models.Model):
    class Mode(models.TextChoices):
        ANY = "any", _("One of them")
        ALL = "all", _("All of them (会签)")

    policy = models.ForeignKey(ApprovalPolicy, verbose_name=_("policy"), on_delete=models.CASCADE,
                               related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ANY)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["policy", "order"]
        constraints = [models.UniqueConstraint(fields=["policy", "order"], name="approval_step_unique_order")]

    def __str__(self) -> str:
        return f"{self.policy} #{self.order}"


class ApproverKind(models.TextChoices):
    USER = "user", _("A named person")
    GROUP = "group", _("Every member of a group")
    MANAGER = "manager", _("The requester's manager")
    DEPARTMENT_HEAD = "department_head", _("The head of the requester's department")


class StepApprover(models.Model):
    """One entry of a step's approvers: a person, a group's members, or someone relative to the requester."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="approvers")
    kind = models.CharField(_("kind"), max_length=16, choices=ApproverKind.choices, default=ApproverKind.USER)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")

    class Meta:
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user or self.group or ''}".rstrip(": ")

    def clean(self):
        if self.kind == ApproverKind.USER and self.user_id is None:
            raise ValidationError({"user": _("Name the person who approves.")})
        if self.kind == ApproverKind.GROUP and self.group_id is None:
            raise ValidationError({"group": _("Name the group whose members approve.")})


class CatalogueApproval(models.Model):
    """A catalogue item (category) whose service requests need approval under a policy before the desk works
    on them. Kept here rather than on the category, which the approval engine does not own."""

    category = models.OneToOneField(Category, verbose_name=_("catalogue item"), on_delete=models.CASCADE,
                                    related_name="approval")
    policy = models.ForeignKey(ApprovalPolicy, verbose_name=_("approval policy"), on_delete=models.PROTECT,
                               related_name="catalogue_items")

    class Meta:
        verbose_name = _("catalogue item needing approval")
        verbose_name_plural = _("catalogue items needing approval")

    def __str__(self) -> str:
        return f"{self.category} → {self.policy}"


class State(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalRequest(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="approval_requests")
    policy = models.ForeignKey(ApprovalPolicy, verbose_name=_("policy"), on_delete=models.PROTECT,
                               related_name="requests")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    step = models.PositiveSmallIntegerField(_("current step"), default=1)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    step_started_at = models.DateTimeField(_("step started"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    paused_clock = models.BooleanField(_("SLA clock paused"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "deadline"], name="approval_request_due")]
        constraints = [
            # One approval at a time per ticket.
            models.UniqueConstraint(fields=["ticket"], condition=models.Q(state="pending"),
                                    name="approval_request_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} ({self.get_state_display()})"


class Approver(models.Model):
    """Who was asked in one step of a request, resolved when the step began (a group's members, the requester's
    manager then): the inbox, the reminders and 会签 count these rows."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="approvers")
    step = models.PositiveSmallIntegerField(_("step"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.CASCADE,
                             related_name="approvals_asked")

    class Meta:
        verbose_name = _("approver asked")
        verbose_name_plural = _("approvers asked")
        constraints = [models.UniqueConstraint(fields=["request", "step", "user"], name="approver_unique")]
        indexes = [models.Index(fields=["user", "request"], name="approver_inbox")]

    def __str__(self) -> str:
        return f"{self.user} #{self.request_id}/{self.step}"


class Outcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class Decision(models.Model):
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField(_("step"))
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                 related_name="+")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("on behalf of"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("decision"), max_length=8, choices=Outcome.choices)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=16)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} #{self.request_id}"

    @property
    def decided_for(self):
        """Whose decision it counts as: the approver asked (a delegate decides for them)."""
        return self.on_behalf_of or self.approver


class Delegation(models.Model):
    """While `user` is away (from `starts` to `ends`), `delegate` decides their approvals for them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.CASCADE,
                             related_name="delegations")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.CASCADE,
                                 related_name="delegated_to_me")
    starts = models.DateTimeField(_("from"))
    ends = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends__gt=models.F("starts")), name="delegation_ends_after"),
            models.CheckConstraint(condition=~models.Q(user=models.F("delegate")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate}"
