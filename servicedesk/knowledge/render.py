"""Article bodies are written in Markdown and shown as HTML that nh3 has sanitised: whatever an editor
types (raw HTML, javascript: links, event attributes), readers get only the tags and URL schemes below."""

from __future__ import annotations

import html

import markdown
import nh3

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "kbd", "sup", "sub", "dl", "dt", "dd", "mark",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "th": {"align"}, "td": {"align"}, "ol": {"start"}, "code": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br"]


def to_html(text: str) -> str:
    """The safe HTML of a Markdown body (links open as links; relative links, e.g. to an inline image
    of the article, are kept)."""
    html = markdown.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def to_text(text: str) -> str:
    """The plain text of a Markdown body (for the search index, snippets and mail)."""
    return html.unescape(nh3.clean(to_html(text), tags=set())).strip()
