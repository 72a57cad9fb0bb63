"""The lifecycle, the catalogue and the priority matrix as screens and actions read them, cached (core.refdata)."""

from servicedesk.core.refdata import cached

from . import defaults
from .models import Category, PriorityRule, Transition

DEFAULT_MATRIX = {(impact, urgency): priority for impact, urgency, priority in defaults.PRIORITY_MATRIX}


def transitions() -> list:
    return cached("transitions", lambda: list(Transition.objects.all()))


def category_choices() -> list[tuple[int, str]]:
    """(id, "Service / Category / Subcategory") of active categories, in the user's language."""
    return cached("categories", lambda: [
        (c.pk, str(c)) for c in Category.objects.filter(is_active=True).select_related("service", "parent__service")
        .in_catalogue_order()
    ], per_language=True)


def priority_matrix(*, fresh: bool = False) -> dict[tuple[int, int], int]:
    def build():
        matrix = dict(DEFAULT_MATRIX)
        matrix.update({(r.impact, r.urgency): r.priority for r in PriorityRule.objects.all()})
        return matrix

    return cached("priority-matrix", build, fresh=fresh)


def category_labels() -> dict[int, str]:
    """Every category's short label by id (Category.short_label), in the user's language."""
    return cached("category-labels", lambda: {
        c.pk: c.short_label for c in Category.objects.select_related("parent")
    }, per_language=True)


def category_paths() -> dict[int, str]:
    """Every category's full path by id ("Service / Category / Subcategory"), in the user's language,
    inactive ones included (old tickets still show them)."""
    return cached("category-paths", lambda: {
        c.pk: str(c) for c in Category.objects.select_related("service", "parent__service")
    }, per_language=True)
