"""The Jinja2 environment of the "jinja2" template engine (settings.TEMPLATES).

Used for the few screens rendered most often (a queue's rows, the ticket page and the console search with
their layout): Django's engine spent most of those pages' time there. Strings are translated with `_()`
(Django's gettext, so `makemessages` extracts them from `{{ _("…") }}`), links built with `url()` and
`static()`, forms protected with `{{ csrf_input }}`, the messages read with `get_messages(request)`; dates
shown in the user's time zone by `localdate`.
"""

from __future__ import annotations

import datetime
import functools
from urllib.parse import quote

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.template.defaultfilters import filesizeformat, truncatechars
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language, gettext, ngettext, trans_real
from jinja2 import Environment

from servicedesk.core.templatetags.desk import options


def url(name: str, *args) -> str:
    """reverse(name, args), remembered: a ticket page builds some thirty links, and reversing one
    costs more than rendering the form around it. Each route is reversed once with marks in place of
    its arguments, and the arguments (ids, ticket numbers) are quoted into that shape as reverse()
    quotes them: a page of a ticket not shown before reversed every link afresh. An argument the
    shape cannot stand for (a "/", a number with leading zeros, which a converter would refuse or
    rewrite), or a route with no shape, goes through reverse() itself. The key holds what reverse
    depends on."""
    return _url(get_script_prefix(), get_urlconf(), name, tuple(str(a) for a in args))


def url_maker(name: str):
    """url(name, …) for a page of rows: the script prefix and URL conf (thread-local reads) looked up
    once, not per row."""
    prefix, urlconf = get_script_prefix(), get_urlconf()
    return lambda *args: _url(prefix, urlconf, name, tuple(str(a) for a in args))


def _url(prefix: str, urlconf, name: str, texts: tuple[str, ...]) -> str:
    shape = _shape(prefix, urlconf, name, len(texts))
    if shape is None or not all(_plain(text, digits) for text, digits in zip(texts, shape[1], strict=True)):
        return _reverse(prefix, urlconf, name, texts)
    pieces = shape[0]
    parts = [pieces[0]]
    for text, tail in zip(texts, pieces[1:], strict=True):
        parts += [quote(text, safe=_SAFE), tail]
    return "".join(parts)


# Digits only: they match every converter the desk's routes use (str, int, id, slug, path).
_MARKS = tuple(f"80{i}1357913579" for i in range(10))
_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted


def _plain(text: str, digits: bool) -> bool:
    if not text or "/" in text:
        return False
    if text.isdigit():
        return text == "0" or text[0] != "0"
    return not digits


@functools.lru_cache(maxsize=1024)
def _shape(prefix: str, urlconf, name: str, count: int) -> tuple[tuple[str, ...], tuple[bool, ...]] | None:
    """The route's path split at its arguments (count + 1 pieces) and, for each argument, whether the
    route takes digits only there; None when marks cannot stand for its arguments."""
    if count > len(_MARKS):
        return None
    marks = _MARKS[:count]
    try:
        path = reverse(name, urlconf=urlconf, args=marks)
    except NoReverseMatch:
        return None
    pieces = []
    for mark in marks:
        head, found, path = path.partition(mark)
        if not found or mark in path:
            return None
        pieces.append(head)
    return (*pieces, path), tuple(not _takes(name, urlconf, marks, i) for i in range(count))


def _takes(name: str, urlconf, marks: tuple[str, ...], i: int) -> bool:
    """Whether the route takes a word (not only digits) as its i-th argument."""
    try:
        reverse(name, urlconf=urlconf, args=[*marks[:i], "SDx" + marks[i], *marks[i + 1:]])
    except NoReverseMatch:
        return False
    return True


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


def csrf_once(request) -> dict:
    """The jinja2 engine's context processor: the CSRF token masked once per page, as Django's engine does. The
    backend's own `csrf_input` and `csrf_token` are lazy strings worked out afresh at each use: a ticket page's
    forms masked the token (32 random characters) a dozen times."""
    token = SimpleLazyObject(lambda: get_token(request))
    return {"csrf_token": token, "csrf_input": SimpleLazyObject(lambda: format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token))}


def translations(request) -> dict:
    """The jinja2 engine's context processor: `_()` bound to the request's language's catalogue, found once per
    page, and each string's translation remembered on the catalogue. Django's `gettext` finds the active
    translation (a thread-local read) and searches the catalogue of every app at each of the two hundred
    strings of a ticket page; the same strings come out. Text Django's gettext treats apart (empty, with a
    carriage return, marked safe) still goes through it, as does a page with no language."""
    language = get_language()
    if not language:
        return {}
    catalogue = trans_real.translation(language)
    # What the catalogue gave, kept on it: a new catalogue (a test's other locale paths) starts empty.
    known = catalogue.__dict__.setdefault("_jinja_known", {})

    def gettext_bound(message):
        if type(message) is not str or not message or "\r" in message:
            return gettext(message)
        found = known.get(message)
        if found is None:
            found = known[message] = catalogue.gettext(message)
        return found

    return {"_": gettext_bound}


def environment(**kwargs) -> Environment:
    env = Environment(**kwargs)
    env.globals.update({"_": gettext, "ngettext": ngettext, "url": url, "options": options,
                        "display": display, "static": static, "get_messages": get_messages})
    env.filters.update({"localdate": localdate, "filesizeformat": filesizeformat, "truncatechars": truncatechars})
    return env
