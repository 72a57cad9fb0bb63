"""Notification templates: the shipped defaults (files), administrators' overrides (NotificationTemplate
rows), rendering in the recipient's language and time zone, and the check that refuses a template
that cannot render.

Default files: ``notify/email/<language>/<event>.subject.txt``, ``<event>.txt`` and ``<event>.html``.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass

from django.template import Context, Engine, TemplateSyntaxError, engines
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Event, NotificationTemplate

TEXT_AS_HTML = "notify/email/text_as_html.html"
_UNKNOWN = "[[unknown variable:%s]]"
_UNKNOWN_RE = re.compile(r"\[\[unknown variable:(.*?)\]\]")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def default_names(event: str, language: str) -> tuple[str, str, str]:
    base = f"notify/email/{language}/{event}"
    return f"{base}.subject.txt", f"{base}.txt", f"{base}.html"


def _engine() -> Engine:
    return engines["django"].engine


_checking_engine: Engine | None = None


def _strict_engine() -> Engine:
    """The project's engine, except that an unknown variable prints a marker the check looks for."""
    global _checking_engine
    if _checking_engine is None:
        base = _engine()
        _checking_engine = Engine(dirs=base.dirs, app_dirs=base.app_dirs, libraries=base.libraries,
                                  string_if_invalid=_UNKNOWN)
    return _checking_engine


def one_line(subject: str) -> str:
    return re.sub(r"\s+", " ", subject).strip()


@functools.lru_cache(maxsize=256)
def _compiled(source: str):
    """A compiled template of the project's engine, kept per source text (an edited override is new text)."""
    return _engine().from_string(source)


def _render_sources(engine: Engine, subject: str, text: str, html: str, context: dict) -> Rendered:
    subject_out = _compiled(subject).render(Context(context, autoescape=False))
    text_out = _compiled(text).render(Context(context, autoescape=False))
    if html.strip():
        html_out = _compiled(html).render(Context(context, autoescape=True))
    else:
        html_out = engine.get_template(TEXT_AS_HTML).render(Context({**context, "text": text_out}, autoescape=True))
    return Rendered(one_line(subject_out), text_out.strip() + "\n", html_out)


def sources_for(event: str, language: str, overrides: dict | None = None) -> tuple[str, str, str]:
    """The template sources in use for (event, language): the administrators' override, else the default.

    ``overrides`` may hold the active overrides already read ({(event, language): row}).
    """
    if overrides is None:
        override = NotificationTemplate.objects.filter(event=event, language=language, is_active=True).first()
    else:
        override = overrides.get((event, language))
    if override is not None:
        return override.subject, override.body_text, override.body_html
    engine = _engine()
    return tuple(engine.get_template(name).source for name in default_names(event, language))


def active_overrides() -> dict:
    return {(t.event, t.language): t for t in NotificationTemplate.objects.filter(is_active=True)}


def render(event: str, language: str, context: dict, time_zone: str, overrides: dict | None = None) -> Rendered:
    """Render a notification in ``language`` with dates in ``time_zone``."""
    subject, text, html = sources_for(event, language, overrides)
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(time_zone)):
        return _render_sources(_engine(), subject, text, html, context)


def validate_template(event: str, language: str, subject: str, text: str, html: str) -> dict[str, str]:
    """Render the sources with a sample of the event's context; {field: translated error} for what fails."""
    from .context import sample_context

    errors: dict[str, str] = {}
    if event not in Event.values:
        return {"event": _("Unknown event: %(event)s") % {"event": event}}
    context = sample_context(event)
    engine = _strict_engine()
    parts = (("subject", subject, False), ("body_text", text, False), ("body_html", html, True))
    failures: dict[str, tuple[str, object]] = {}
    # Rendered in the template's language; the errors are worded in the administrator's (below).
    with translation.override(language or "en"):
        for field, source, autoescape in parts:
            if field == "body_html" and not (source or "").strip():
                continue
            if field != "body_html" and not (source or "").strip():
                failures[field] = ("empty", None)
                continue
            try:
                output = engine.from_string(source).render(Context(context, autoescape=autoescape))
            except TemplateSyntaxError as error:
                failures[field] = ("syntax", error)
                continue
            except Exception as error:
                failures[field] = ("render", f"{type(error).__name__}: {error}")
                continue
            unknown = sorted(set(_UNKNOWN_RE.findall(output)))
            if unknown:
                failures[field] = ("unknown", unknown)
    for field, (kind, detail) in failures.items():
        if kind == "empty":
            errors[field] = _("This part cannot be empty.")
        elif kind == "syntax":
            errors[field] = _("This template cannot be read: %(error)s") % {"error": detail}
        elif kind == "render":
            errors[field] = _("This template fails when it is rendered: %(error)s") % {"error": detail}
        else:
            errors[field] = _(
                "Unknown variables: %(names)s. This event's templates can use: %(known)s."
            ) % {"names": ", ".join(detail), "known": ", ".join(sorted(context))}
    return errors
