"""The ticket record: catalogue, tickets, conversation, links, time log and history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Desk, Group, Organisation, Role


def localized_name(obj) -> str:
    """The Chinese name when the active language is Chinese and one is given, else the English one."""
    if obj.name_zh and (get_language() or "").startswith("zh"):
        return obj.name_zh
    return obj.name


class Service(models.Model):
    """An entry of the service catalogue."""

    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("service catalogue")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return localized_name(self)


# As the catalogue reads: by service, each top category followed by its subcategories, each level by
# its order, then name.
CATALOGUE_ORDER = (
    F("service__order").asc(), F("service__name").asc(), F("service_id").asc(),
    Coalesce("parent__order", "order").asc(), Coalesce("parent__name", "name").asc(), Coalesce("parent_id", "id").asc(),
    F("parent_id").asc(nulls_first=True), F("order").asc(), F("name").asc(), F("id").asc(),
)


class CategoryQuerySet(models.QuerySet):
    def in_catalogue_order(self):
        return self.order_by(*CATALOGUE_ORDER)


class Category(models.Model):
    """A category of a service; a category with a parent is a subcategory."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent category"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="subcategories",
    )
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    default_group = models.ForeignKey(
        Group, verbose_name=_("default group"), null=True, blank=True, on_delete=models.SET_NULL
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["service__order", "order", "name"]

    def __str__(self) -> str:
        own = localized_name(self)
        return f"{self.parent} / {own}" if self.parent_id else f"{self.service} / {own}"

    @property
    def short_label(self) -> str:
        """Subcategories under their parent, without the service: short enough for a queue column."""
        own = localized_name(self)
        return f"{localized_name(self.parent)} / {own}" if self.parent_id else own

    def clean(self):
        if self.parent_id and self.parent.service_id != self.service_id:
            raise ValidationError(_("A subcategory belongs to the same service as its parent."))
        if self.parent_id and self.parent.parent_id:
            raise ValidationError(_("Subcategories go one level deep."))


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")
    COMPLAINT = "complaint", _("Complaint")
    PROBLEM = "problem", _("Problem")
    CHANGE_REQUEST = "change_request", _("Change request")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING)


class PendingReason(models.TextChoices):
    CUSTOMER = "customer", _("Waiting on the customer")
    SUPPLIER = "supplier", _("Waiting on a supplier")
    CHANGE = "change", _("Waiting on a change")
    APPROVAL = "approval", _("Waiting for approval")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Web portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    MONITORING = "monitoring", _("Monitoring")
    API = "api", _("API")
    CONSOLE = "console", _("Agent console")
    SYSTEM = "system", _("System")


class Level(models.IntegerChoices):
    """Impact and urgency: 1 is the highest."""

    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")
    PLANNING = 5, _("Planning")


class PriorityRule(models.Model):
    """One cell of the priority matrix: impact × urgency → priority."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)

    class Meta:
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        ordering = ["impact", "urgency"]
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="priority_rule_unique_cell")]

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()} → {self.get_priority_display()}"


class Transition(models.Model):
    """A lifecycle transition: which action moves a ticket from which statuses to which, and who may take it.

    The rows are configuration (admin); the defaults are seeded by a migration and follow seed 003.
    """

    action = models.SlugField(_("action"), max_length=32, unique=True)
    label = models.CharField(_("label"), max_length=100)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100, blank=True)
    from_statuses = models.JSONField(_("from statuses"), default=list)
    to_status = models.CharField(_("to status"), max_length=16, choices=Status.choices)
    roles = models.JSONField(_("roles that may take it"), default=list, blank=True)
    requester_may = models.BooleanField(_("the requester may take it"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["order", "action"]

    def __str__(self) -> str:
        return self.action

    def clean(self):
        valid = set(Status.values)
        unknown = [s for s in self.from_statuses if s not in valid]
        if unknown:
            raise ValidationError({"from_statuses": _("Unknown statuses: %(s)s") % {"s": ", ".join(unknown)}})
        unknown_roles = [r for r in self.roles if r not in Role.values]
        if unknown_roles:
            raise ValidationError({"roles": _("Unknown roles: %(r)s") % {"r": ", ".join(unknown_roles)}})


class Ticket(models.Model):
    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="tickets")
    number = models.CharField(_("number"), max_length=24, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, default=TicketType.INCIDENT)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    pending_reason = models.CharField(_("pending reason"), max_length=16, choices=PendingReason.choices, blank=True)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=Level.MEDIUM)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices, default=Level.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    priority_overridden = models.BooleanField(_("priority overridden"), default=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="owned_tickets",
    )
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.PROTECT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="assigned_tickets",
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("watchers"), blank=True, related_name="watched_tickets"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        # Each queue gets an index whose order is the queue's order (keyset pagination).
        indexes = [
            models.Index(fields=["group", "status", "-updated_at", "-id"], name="ticket_group_queue"),
            models.Index(fields=["assignee", "status", "-updated_at", "-id"], name="ticket_assignee_queue"),
            models.Index(fields=["owner", "status", "-updated_at", "-id"], name="ticket_owner_queue"),
            models.Index(fields=["requester", "-updated_at", "-id"], name="ticket_requester_queue"),
            models.Index(fields=["organisation", "-updated_at", "-id"], name="ticket_organisation_queue"),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_queue"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            # The open queues hold a few percent of all tickets; (group, status, ...) cannot give five
            # statuses in updated_at order, so a page would sort the whole queue. These read just the page.
            models.Index(fields=["group", "-updated_at", "-id"], name="ticket_group_open_queue",
                         condition=models.Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["assignee", "-updated_at", "-id"], name="ticket_assignee_open_queue",
                         condition=models.Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["owner", "-updated_at", "-id"], name="ticket_owner_open_queue",
                         condition=models.Q(status__in=OPEN_STATUSES)),
            # "Unassigned": open tickets nobody has, by group (NULL group = the intake).
            models.Index(fields=["group", "-updated_at", "-id"], name="ticket_unassigned_open_queue",
                         condition=models.Q(status__in=OPEN_STATUSES, assignee__isnull=True)),
            # The intake: new or acknowledged tickets not routed to any group yet.
            models.Index(fields=["-updated_at", "-id"], name="ticket_intake_queue",
                         condition=models.Q(group__isnull=True, status__in=("new", "acknowledged"))),
            # The reports read the tickets resolved or closed within a range of days.
            models.Index(fields=["resolved_at"], name="ticket_resolved_at"),
            models.Index(fields=["closed_at"], name="ticket_closed_at"),
            # The portal's submit limit counts a customer's requests of the last hour in this index alone.
            models.Index(fields=["requester", "channel", "created_at"], name="ticket_requester_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Comment(models.Model):
    """A public reply (the customer sees it) or an internal note (desk staff only)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    body = models.TextField(_("text"))
    internal = models.BooleanField(_("internal note"), default=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="comment_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:60]}"


def attachment_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=500)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150, blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    internal = models.BooleanField(_("internal"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class LinkKind(models.TextChoices):
    CHILD_OF = "child_of", _("child of")
    RELATED = "related", _("related to")
    DUPLICATE_OF = "duplicate_of", _("duplicate of")
    CAUSED_BY = "caused_by", _("caused by")


class TicketLink(models.Model):
    """A directed link: `source` is <kind> `target` (a child of its parent, a duplicate of the original)."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TimeEntry(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT)
    minutes = models.PositiveIntegerField(_("minutes"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    spent_on = models.DateField(_("date"), default=timezone.localdate)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket_id}"


class HistoryEntry(models.Model):
    """One append-only line of a ticket's history: who changed what, when, through which channel."""

    # The database deletes a ticket's history with it, and refuses any other UPDATE or DELETE
    # (core.appendonly, migration 0006); the collector would delete the rows first, which is refused.
    ticket = models.ForeignKey(Ticket, on_delete=models.DO_NOTHING, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    event = models.CharField(max_length=32)
    field = models.CharField(max_length=32, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    note = models.CharField(max_length=500, blank=True)
    internal = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0, help_text="The ticket version this change produced.")

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at", "id"], name="history_ticket_time"),
                   # The reports count resolutions and reopenings within a range of days. (Partial: an
                   # index on the field would draw a ticket's own lookups, by ticket, away from the one above.)
                   models.Index(fields=["at"], name="history_status_time",
                                condition=models.Q(field__in=("resolved_at", "status")))]

    def __str__(self) -> str:
        return f"{self.event} {self.field} on {self.ticket_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("History is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("History is append-only.")
