"""The Jinja2 environment of the "jinja2" template engine (settings.TEMPLATES).

Used for the few screens rendered most often (a queue's rows, the ticket page's content): Django's
engine spent most of those pages' time there. Strings are translated with `_()` (Django's gettext,
so `makemessages` extracts them from `{{ _("…") }}`), links built with `url()`, forms protected with
`{{ csrf_input }}`; dates shown in the user's time zone by `localdate`.
"""

from __future__ import annotations

import datetime
import functools

from django.template.defaultfilters import filesizeformat, truncatechars
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext
from jinja2 import Environment

from servicedesk.core.templatetags.desk import options


def url(name: str, *args) -> str:
    """reverse(name, args), remembered: a ticket page builds some thirty links, and reversing one
    costs more than rendering the form around it. The key holds what reverse depends on."""
    return _reverse(get_script_prefix(), get_urlconf(), name, tuple(str(a) for a in args))


@functools.lru_cache(maxsize=8192)
def _reverse(prefix: str, urlconf, name: str, args: tuple) -> str:
    return reverse(name, urlconf=urlconf, args=args)


@functools.cache
def _choices(model, field: str) -> dict:
    return dict(model._meta.get_field(field).flatchoices)


def display(obj, field: str) -> str:
    """The label of a choice field's value, in the user's language: obj.get_FIELD_display() without
    building the field's choices afresh on every call."""
    value = getattr(obj, field)
    return str(_choices(type(obj), field).get(value, value))


def localdate(value, fmt: str = "Y-m-d H:i") -> str:
    """Django's date format letters ("c", "Y-m-d H:i"), in the user's time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, fmt)


def environment(**kwargs) -> Environment:
    env = Environment(**kwargs)
    env.globals.update({"_": gettext, "ngettext": ngettext, "url": url, "options": options,
                        "display": display})
    env.filters.update({"localdate": localdate, "filesizeformat": filesizeformat, "truncatechars": truncatechars})
    return env
