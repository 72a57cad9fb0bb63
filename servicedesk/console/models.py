"""Canned responses and macros: reply text with placeholders, optionally with field changes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group
from servicedesk.tickets.models import PendingReason, Priority


class CannedResponseQuerySet(models.QuerySet):
    def available_to(self, user):
        """The responses `user` may use: their personal ones and their groups' shared ones
        (desk managers and administrators see every shared one)."""
        from servicedesk.tickets.permissions import group_ids

        if user.sees_whole_desk:
            return self.filter(Q(owner=user) | Q(group__isnull=False))
        return self.filter(Q(owner=user) | Q(group__in=group_ids(user)))


class CannedResponse(models.Model):
    """A canned response (text only) or a macro (text plus field changes), shared by a group or personal."""

    name = models.CharField(_("name"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {requester_name}, {ticket_number}, {ticket_title}, {agent_name}, {response_due}, "
            "{response_within}, {resolution_due}, {resolution_within}."
        ),
    )
    internal = models.BooleanField(
        _("internal note"),
        default=False,
        help_text=_("Post the text as an internal note instead of a public reply."),
    )
    set_status = models.CharField(
        _("then take the action"),
        max_length=32,
        blank=True,
        help_text=_("A lifecycle action such as resolve or pend (optional)."),
    )
    set_pending_reason = models.CharField(
        _("pending on"),
        max_length=16,
        choices=PendingReason.choices,
        blank=True,
        help_text=_("Whom a macro that pends the ticket waits on (the customer when left empty)."),
    )
    set_group = models.ForeignKey(
        Group,
        verbose_name=_("then assign to group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_priority = models.PositiveSmallIntegerField(
        _("then set priority"), choices=Priority.choices, null=True, blank=True
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("shared with group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personal to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = CannedResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(group__isnull=False, owner__isnull=True) | Q(group__isnull=True, owner__isnull=False)
                ),
                name="canned_response_one_scope",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "name"], name="canned_owner"),
            models.Index(fields=["group", "name"], name="canned_group"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_macro(self) -> bool:
        return bool(self.set_status or self.set_group_id or self.set_priority)

    def clean(self):
        if bool(self.group_id) == bool(self.owner_id):
            raise ValidationError(
                _("A canned response is either shared with one group or personal to one person.")
            )
        if self.set_status:
            from servicedesk.tickets.models import Transition

            if not Transition.objects.filter(action=self.set_status).exists():
                raise ValidationError(
                    {"set_status": _("Unknown action: %(action)s") % {"action": self.set_status}}
                )


class SavedView(models.Model):
    """A personal queue view: one queue with its filters and ordering, saved under a name.

    `query` keeps the filters and ordering as the URL query string the queue screen reads
    (status=open&priority=1&ordering=-priority), so a saved view opens exactly as it was saved.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=100)
    queue = models.CharField(_("queue"), max_length=32)
    query = models.CharField(_("filters and ordering"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name
