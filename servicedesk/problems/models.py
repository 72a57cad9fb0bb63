"""A problem (问题): the unknown cause of one or more incidents. The problem is a ticket of type PROBLEM (its
lifecycle, assignment, history and SLA are the ticket's); this record keeps what only a problem has: the root
cause, the workaround, and whether it is a known error (已知错误) published to the knowledge base. Its incidents
are linked to its ticket as "caused by" (tickets.TicketLink)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.knowledge.models import Article
from servicedesk.tickets.models import Ticket


class ProblemRecord(models.Model):
    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                                  related_name="problem_record")
    root_cause = models.TextField(_("root cause"), blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    known_error_at = models.DateTimeField(_("known error since"), null=True, blank=True)
    known_error_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("known error published by"),
                                       null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    article = models.ForeignKey(Article, verbose_name=_("known-error article"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    audit_exclude = ("version",)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.ticket.number

    @property
    def is_known_error(self) -> bool:
        return self.known_error_at is not None
