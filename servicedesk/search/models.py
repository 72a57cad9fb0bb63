"""Search's own records: the synonyms an administrator keeps (the index's tables are not models; see
index.py and articles.py)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Terms are separated by commas (Chinese or Latin), semicolons or new lines.
SEPARATORS = re.compile(r"[,，;；、\n]+")
MAX_TERMS = 20


def split_terms(text: str) -> list[str]:
    """The distinct terms of a synonym set, in the order given (case and spacing ignored)."""
    terms: dict[str, str] = {}
    for term in SEPARATORS.split(text or ""):
        term = " ".join(term.split())
        if term:
            terms.setdefault(term.lower(), term)
    return list(terms.values())


class Synonym(models.Model):
    """A set of equivalent terms (打印机, 打印, printer, print): a search for one finds the others."""

    terms = models.CharField(
        _("equivalent terms"), max_length=500,
        help_text=_("Words or phrases that mean the same, separated by commas, e.g. 打印机, 打印, printer, print. "
                    "New Chinese words are segmented in documents indexed from now on; run "
                    "`servicedesk reindex-search` for those indexed before."))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("synonym set")
        verbose_name_plural = _("synonyms")
        ordering = ["terms"]

    def __str__(self) -> str:
        return self.terms

    def term_list(self) -> list[str]:
        return split_terms(self.terms)

    def clean(self) -> None:
        terms = self.term_list()
        if len(terms) < 2:
            raise ValidationError({"terms": _("Name at least two terms that mean the same.")})
        if len(terms) > MAX_TERMS:
            raise ValidationError({"terms": _("A synonym set takes up to %(n)s terms.") % {"n": MAX_TERMS}})
        self.terms = ", ".join(terms)
