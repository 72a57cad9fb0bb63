"""Template helpers shared by the screens."""

import html

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def options(choices, selected=None):
    """The <option> elements of (value, label) pairs, the one equal to `selected` marked.

    A ticket page has a dozen drop-downs (categories, people, groups, levels…); written as template
    loops they were a third of its rendering time. Values and labels are escaped here, by the function
    Django's escape() calls (its lazy-string wrapper cost three times the escaping, with 55 people).
    """
    chosen = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        value = "" if value is None else str(value)
        mark = " selected" if value == chosen and chosen != "" else ""
        parts.append(f'<option value="{html.escape(value)}"{mark}>{html.escape(str(label))}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - every value and label escaped above
