"""The configuration management database (配置管理数据库): types of configuration items with the fields an
administrator defines, the items (配置项), the relations between them, and the tickets linked to them.

Problems and changes are tickets too, so one link table (TicketItem) serves incidents, requests, problems
and changes alike."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group, Organisation
from servicedesk.tickets.models import Ticket


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CiType(models.Model):
    """A kind of configuration item (server, laptop, application, service…) and the fields its items carry:
    `fields` is a list of {"key", "label", "label_zh", "kind" (FieldKind), "choices", "required"}."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    # Items of a service type are what the impact view names as "services affected".
    is_service = models.BooleanField(_("is a service"), default=False)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("configuration item type")
        verbose_name_plural = _("configuration item types")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return self.name_zh if self.name_zh and (get_language() or "").startswith("zh") else self.name


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_USE = "in_use", _("In use")
    MAINTENANCE = "maintenance", _("In maintenance")
    RETIRED = "retired", _("Retired")


class ConfigItem(models.Model):
    type = models.ForeignKey(CiType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="items")
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.IN_USE)
    # A major service: an incident on anything it (transitively) depends on is raised to high impact.
    critical = models.BooleanField(_("critical"), default=False)
    owner = models.ForeignKey(Group, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_items", help_text=_("The team responsible for the item."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="config_items",
                             help_text=_("Whose device it is: they may pick it when they report."))
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    location = models.CharField(_("location"), max_length=200, blank=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    contract = models.CharField(_("contract"), max_length=200, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    audit_exclude = ("version", "created_at", "updated_at")

    class Meta:
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="cmdb_item_name"),
            models.Index(fields=["type", "name", "id"], name="cmdb_item_type_name"),
            # The import matches rows to items by serial number.
            models.Index(fields=["serial"], name="cmdb_item_serial"),
            # The console's list: recently changed first, a keyset page at a time.
            models.Index(fields=["-updated_at", "-id"], name="cmdb_item_recent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.status == ItemStatus.RETIRED


class RelationKind(models.TextChoices):
    RUNS_ON = "runs_on", _("runs on")
    DEPENDS_ON = "depends_on", _("depends on")
    CONNECTED_TO = "connected_to", _("connected to")
    PART_OF = "part_of", _("part of")


# The kinds along which a failure spreads from target to source ("app runs on server": the server fails,
# the app is down). Being connected to something says nothing of which side needs the other.
IMPACT_KINDS = (RelationKind.RUNS_ON, RelationKind.DEPENDS_ON, RelationKind.PART_OF)


class Relation(models.Model):
    """`source` <kind> `target`: app X runs on server Y; service S depends on app X."""

    source = models.ForeignKey(ConfigItem, verbose_name=_("from"), on_delete=models.CASCADE,
                               related_name="relations_out")
    target = models.ForeignKey(ConfigItem, verbose_name=_("to"), on_delete=models.CASCADE,
                               related_name="relations_in")
    kind = models.CharField(_("kind"), max_length=16, choices=RelationKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="cmdb_relation_unique"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="cmdb_relation_not_self"),
        ]
        # The impact walk goes from a target to its sources, kind by kind: this index answers each step
        # without touching the table.
        indexes = [models.Index(fields=["target", "kind", "source"], name="cmdb_relation_impact")]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"


class TicketItem(models.Model):
    """A ticket (incident, request, problem or change) is about this configuration item."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="item_links")
    item = models.ForeignKey(ConfigItem, verbose_name=_("configuration item"), on_delete=models.CASCADE,
                             related_name="ticket_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket's configuration item")
        verbose_name_plural = _("tickets' configuration items")
        constraints = [models.UniqueConstraint(fields=["ticket", "item"], name="cmdb_ticket_item_unique")]
        indexes = [models.Index(fields=["item", "ticket"], name="cmdb_ticket_item_by_item")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.item_id}"


class GraphVersion(models.Model):
    """One row: the version of the impact relations, moved (with a new random token) by every transaction that
    changes one; the in-process copies of the graph (cmdb.graph) compare theirs with it before each walk."""

    version = models.BigIntegerField(default=0)
    token = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.version} ({self.token})"


class RelationChange(models.Model):
    """The log of changes to impact relations, by version: a copy of the graph behind applies them. Plain ids,
    not foreign keys: the log outlives the relation (and the items). change: +1 added, -1 removed, 0 the
    relations were replaced in bulk (every copy is built again)."""

    version = models.BigIntegerField(db_index=True)
    token = models.BigIntegerField()
    source = models.BigIntegerField()
    target = models.BigIntegerField()
    kind = models.CharField(max_length=16)
    change = models.SmallIntegerField()

    def __str__(self) -> str:
        return f"{self.version}: {self.source} {self.kind} {self.target} {self.change:+d}"
