"""Routing configuration: ordered rules, per-group auto-assignment, skills, and tags on tickets.

Rules are tried in `order` on every new ticket and on demand. A rule applies when all of its given
conditions hold (an empty condition matches anything); its actions change the ticket through
`servicedesk.tickets.actions`, so the history says which rule did what. "Stop after this rule" ends
the pass; otherwise later rules see the ticket as earlier ones left it.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Desk, Group, Organisation
from servicedesk.tickets.models import Category, Channel, Level, Priority, Ticket, TicketType

STAFF = ["agent", "lead", "manager", "admin"]  # who may own tickets and have skills (accounts.STAFF_ROLES)


class Tag(models.Model):
    """A label on tickets (set by routing rules), e.g. "network" or "vip"."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        self.name = (self.name or "").strip()
        if not self.name or "," in self.name:
            raise ValidationError({"name": _("A tag is a word or short phrase without commas.")})


class TicketTag(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ticket_tags")
    tag = models.ForeignKey(Tag, verbose_name=_("tag"), on_delete=models.CASCADE, related_name="ticket_tags")
    rule = models.ForeignKey("RoutingRule", verbose_name=_("added by rule"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket tag")
        verbose_name_plural = _("ticket tags")
        constraints = [models.UniqueConstraint(fields=["ticket", "tag"], name="ticket_tag_unique")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.tag_id}"


# Keywords are separated by new lines, commas (also the Chinese ，and 、) or semicolons.
KEYWORD_SEPARATORS = re.compile(r"[\n\r,;，、；]+")


def split_keywords(text: str) -> list[str]:
    return [word.strip() for word in KEYWORD_SEPARATORS.split(text or "") if word.strip()]


class RoutingRule(models.Model):
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0, help_text=_("Rules are tried from the lowest order up."))
    is_active = models.BooleanField(_("active"), default=True)

    # Conditions: all the given ones must hold; an empty condition matches anything.
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty: any channel."))
    ticket_types = models.JSONField(_("ticket types"), default=list, blank=True, help_text=_("Empty: any type."))
    categories = models.ManyToManyField(
        Category, verbose_name=_("categories"), blank=True, related_name="+",
        help_text=_("Matches these categories and their subcategories; empty: any category."),
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("customer organisations"), blank=True, related_name="+",
        help_text=_("Empty: any organisation."),
    )
    languages = models.JSONField(
        _("requester languages"), default=list, blank=True,
        help_text=_("The requester's language; when their profile has none, Chinese text counts as Chinese. "
                    "Empty: any language."),
    )
    keywords = models.TextField(
        _("words in the subject or description"), blank=True,
        help_text=_("Any of these words, one per line or separated by commas; upper and lower case are the same, "
                    "and a word matches inside longer text (Chinese has no spaces). Empty: any text."),
    )
    desks = models.ManyToManyField(Desk, verbose_name=_("desks"), blank=True, related_name="+",
                                   help_text=_("Empty: any desk."))

    # Actions: each one given is applied.
    set_group = models.ForeignKey(
        Group, verbose_name=_("route to group"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("The group's auto-assignment then picks a person, if it has one."),
    )
    set_category = models.ForeignKey(Category, verbose_name=_("set category"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    set_impact = models.PositiveSmallIntegerField(_("set impact"), choices=Level.choices, null=True, blank=True)
    set_urgency = models.PositiveSmallIntegerField(_("set urgency"), choices=Level.choices, null=True, blank=True)
    set_priority = models.PositiveSmallIntegerField(
        _("set priority"), choices=Priority.choices, null=True, blank=True,
        help_text=_("Overrides the priority matrix; leave empty to let impact × urgency decide."),
    )
    set_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set owner"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"role__in": STAFF},
    )
    add_tags = models.ManyToManyField(Tag, verbose_name=_("add tags"), blank=True, related_name="+")
    stop = models.BooleanField(_("stop after this rule"), default=False,
                               help_text=_("When this rule applies, the rules after it are not tried."))

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        bad = [c for c in self.channels if c not in Channel.values]
        if bad:
            errors["channels"] = _("Unknown channels: %(c)s") % {"c": ", ".join(map(str, bad))}
        bad = [t for t in self.ticket_types if t not in TicketType.values]
        if bad:
            errors["ticket_types"] = _("Unknown ticket types: %(t)s") % {"t": ", ".join(map(str, bad))}
        known = {code for code, _name in settings.LANGUAGES}
        bad = [code for code in self.languages if code not in known]
        if bad:
            errors["languages"] = _("Unknown languages: %(l)s") % {"l": ", ".join(map(str, bad))}
        if self.set_group_id and not self.set_group.is_active:
            errors["set_group"] = _("The group %(group)s is not active.") % {"group": self.set_group}
        if self.set_owner_id and not self.set_owner.is_desk_staff:
            errors["set_owner"] = _("The owner must be a member of the desk staff.")
        if errors:
            raise ValidationError(errors)

    @property
    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)


class Strategy(models.TextChoices):
    NONE = "none", _("None: the group's queue")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_OPEN = "least_open", _("Least open work")
    SKILL = "skill", _("By skill")


class GroupAssignment(models.Model):
    """How tickets routed to a group without a person get one; also the group's round-robin pointer
    (its row is locked while a person is chosen, so concurrent routings take turns)."""

    group = models.OneToOneField(Group, verbose_name=_("group"), primary_key=True, on_delete=models.CASCADE,
                                 related_name="auto_assignment")
    strategy = models.CharField(_("auto-assignment"), max_length=16, choices=Strategy.choices, default=Strategy.NONE)
    last_assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("last assigned"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("group auto-assignment")
        verbose_name_plural = _("group auto-assignment")
        ordering = ["group__tier", "group__name"]

    def __str__(self) -> str:
        return f"{self.group}: {self.get_strategy_display()}"


class Skill(models.Model):
    """A person's skill in a category (and so in its subcategories), with an optional level."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                             related_name="skills", limit_choices_to={"role__in": STAFF})
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("level"), null=True, blank=True, choices=[(n, str(n)) for n in range(1, 6)],
        help_text=_("1 (basic) to 5 (expert); among equally busy people the higher level is chosen."),
    )

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["user__username", "category_id"]
        constraints = [models.UniqueConstraint(fields=["user", "category"], name="skill_unique_user_category")]

    def __str__(self) -> str:
        return f"{self.user} · {self.category}"
