"""Satisfaction surveys (满意度调查): one response per ticket resolution, and the survey's texts per language."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.tickets.models import Channel, Ticket

RATINGS = range(1, 6)


class SurveyResponse(models.Model):
    """The survey of one resolution of a ticket: asked when it was resolved (the n-th time: a ticket reopened
    and resolved again is asked again), answered once with a rating 1–5 and an optional comment."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="surveys")
    resolution = models.PositiveSmallIntegerField(_("resolution"), help_text=_("1 for the ticket's first resolution, "
                                                                               "2 after it was reopened, …"))
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    follow_up = models.ForeignKey(Ticket, verbose_name=_("follow-up ticket"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "resolution"], name="surveys_once_per_resolution"),
            models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                                   name="surveys_rating_1_to_5"),
        ]
        indexes = [
            # The satisfaction figures read a period's answers and a period's asked surveys.
            models.Index(fields=["answered_at"], name="surveys_answered"),
            models.Index(fields=["asked_at"], name="surveys_asked"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} #{self.resolution}: {self.rating or '-'}"

    @property
    def is_answered(self) -> bool:
        return self.rating is not None

    @property
    def is_low(self) -> bool:
        return self.rating is not None and self.rating <= settings.SERVICEDESK_SURVEY_LOW_RATING


class SurveyText(models.Model):
    """What the survey says in one language, in place of the desk's defaults (surveys.texts)."""

    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, unique=True)
    question = models.CharField(_("question"), max_length=300, blank=True,
                                help_text=_("Empty: the desk's default question."))
    thanks = models.CharField(_("thank-you text"), max_length=500, blank=True,
                              help_text=_("Empty: the desk's default thank-you."))
    low_rating = models.CharField(_("low-rating follow-up text"), max_length=500, blank=True,
                                  help_text=_("Shown after a low rating. Empty: the desk's default text."))

    class Meta:
        verbose_name = _("survey text")
        verbose_name_plural = _("survey texts")
        ordering = ["language"]

    def __str__(self) -> str:
        return self.get_language_display()
