"""What the survey says, in the reader's language: the manager's text (SurveyText) where one is set, else the
desk's default."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import SurveyText


@dataclass(frozen=True)
class Texts:
    question: str
    thanks: str
    low_rating: str


def defaults() -> Texts:
    return Texts(
        question=_("How satisfied are you with how we solved your request?"),
        thanks=_("Thank you for your rating: it helps us do better."),
        low_rating=_("We are sorry we did not do better. The person who looked after your request will contact "
                     "you about it."),
    )


def current() -> Texts:
    """The survey's texts in the active language."""
    default = defaults()
    language = (get_language() or "en").lower()
    row = SurveyText.objects.filter(language=language).first()
    if row is None:
        return default
    return Texts(question=row.question or default.question, thanks=row.thanks or default.thanks,
                 low_rating=row.low_rating or default.low_rating)
