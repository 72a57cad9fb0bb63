"""Template helpers shared by the screens."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def options(choices, selected=None):
    """The <option> elements of (value, label) pairs, the one equal to `selected` marked.

    A ticket page has a dozen drop-downs (categories, people, groups, levels…); written as template
    loops they were a third of its rendering time. Values and labels are escaped here.
    """
    chosen = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        value = "" if value is None else str(value)
        mark = " selected" if value == chosen and chosen != "" else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - every value and label escaped above
