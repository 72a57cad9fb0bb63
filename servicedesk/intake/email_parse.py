"""Turn one raw email (bytes as an MTA delivers it) into plain values the desk can file.

Pure functions only: no database, no network. The ingester decides what to do with the result
(new ticket, reply on a ticket, ignore as noise, quarantine when `UnparseableMessage` is raised).

The stdlib parser (policy.default) builds the MIME tree; headers, parameters and text are decoded
here from the raw source rather than through the stdlib's header objects, because real Chinese mail
labels GBK text as GB2312, splits multi-byte characters across encoded-words and sends raw 8-bit
headers, all of which the stdlib decodes with replacement characters.
"""

from __future__ import annotations

import binascii
import codecs
import datetime
import email
import email.utils
import functools
import mimetypes
import re
import urllib.parse
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import HeaderRegistry
from email.message import Message
from html.parser import HTMLParser

import nh3

__all__ = [
    "Address",
    "Attachment",
    "DroppedAttachment",
    "ParsedMessage",
    "UnparseableMessage",
    "clear_header_cache",
    "decode_bytes",
    "decode_header_value",
    "find_ticket_reference",
    "html_to_text",
    "normalise_message_id",
    "parse_message",
    "sanitise_html",
    "strip_quoted",
    "thread_keys",
]

# policy.default re-parses a structured header on every fetch, and the feed parser fetches each part's
# Content-Type several times: caching the header objects (immutable) makes parsing several times faster.
_header_factory = functools.lru_cache(maxsize=2048)(HeaderRegistry())
PARSE_POLICY = policy.default.clone(header_factory=_header_factory)


def clear_header_cache():
    _header_factory.cache_clear()


MAX_MIME_DEPTH = 20
MAX_MIME_PARTS = 1000


class UnparseableMessage(Exception):
    """The input cannot be read as an email at all; the caller keeps it whole in quarantine."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Address:
    name: str
    address: str


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)
    is_inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class DroppedAttachment:
    filename: str
    content_type: str
    size: int
    reason: str


@dataclass
class ParsedMessage:
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    to: list[Address]
    cc: list[Address]
    reply_to: list[Address]
    date: datetime.datetime | None
    text_body: str
    html_body: str | None
    body_for_ticket: str
    attachments: list[Attachment]
    dropped: list[DroppedAttachment]
    auto_reply: bool
    auto_reply_reason: str | None
    is_bounce: bool
    bounce_reason: str | None
    bounced_recipients: list[str]
    charset_fallbacks: list[str]
    defects: list[str]
    headers: list[tuple[str, str]] = field(repr=False)

    @property
    def is_noise(self) -> bool:
        """Auto-replies and bounces: never a ticket, never answered."""
        return self.auto_reply or self.is_bounce

    def header(self, name: str) -> str | None:
        """The first header of that name, decoded."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


# ---------------------------------------------------------------------------------------------
# Charsets

# Declared charsets replaced by a superset that decodes the same bytes the same way and more:
# mail labelled GB2312 is routinely GBK (镕, 喆, 堃 are not in GB2312), Big5 routinely has HKSCS.
_UPGRADES = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "cp950": ("big5hkscs",),
    "euc_kr": ("cp949",),
    "shift_jis": ("cp932",),
    # Mail labelled UTF-8 that is not is most often GBK from a Chinese client.
    "utf-8": ("gb18030",),
}
_ALIASES = {
    "x-gbk": "gbk",
    "gb_2312": "gb2312",
    "gb2312-80": "gb2312",
    "gb_2312-80": "gb2312",
    "x-euc-cn": "gb2312",
    "cn-gb": "gb2312",
    "x-cp936": "gbk",
    "windows-936": "gbk",
    "windows-874": "cp874",
    "x-big5": "big5",
    "cn-big5": "big5",
    "x-x-big5": "big5",
    "x-sjis": "shift_jis",
    "unicode-1-1-utf-8": "utf-8",
    "utf8mb4": "utf-8",
}
_LATIN = {"ascii", "iso8859-1"}


@functools.lru_cache(maxsize=256)
def _codec(declared: str | None) -> str | None:
    """The Python codec for a declared charset (None when absent or unknown)."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    if not name.isascii():
        return None
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def _guess(data: bytes) -> tuple[str, str]:
    for codec, label in (("utf-8", "utf-8"), ("gb18030", "gb18030"), ("cp1252", "windows-1252")):
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


# windows-1252 for 0x80-0x9F where it defines a character; ISO-8859-1's control codes for the five it leaves out.
_CP1252_C1 = {b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xA0)}
_ASCII_INCOMPATIBLE = ("utf-16", "utf-32", "utf-7", "iso2022", "hz")


def _decode_latin(data: bytes) -> str:
    return data.decode("latin-1").translate(_CP1252_C1)


def decode_bytes(data: bytes, declared: str | None, notes: list[str] | None = None, where: str = "text") -> str:
    """Decode text whose charset is declared (or not) the way real mail needs. Never raises.
    NUL characters are dropped: the desk refuses them everywhere else (PostgreSQL cannot store them),
    but a message must never be lost for one (core/inputs.py)."""
    return _decode_bytes(data, declared, notes, where).replace("\x00", "")


def _decode_bytes(data: bytes, declared: str | None, notes: list[str] | None, where: str) -> str:
    if notes is None:
        notes = []
    if not data:
        return ""
    codec = _codec(declared)
    if data.isascii() and not (codec or "").startswith(_ASCII_INCOMPATIBLE):
        return data.decode("ascii")
    if codec is None:
        text, used = _guess(data)
        if declared:
            notes.append(f"{where}: unknown charset {declared!r}, decoded as {used}")
        else:
            notes.append(f"{where}: no charset declared, decoded as {used}")
        return text
    if codec in _LATIN:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            notes.append(f"{where}: declared {declared}, decoded as utf-8")
            return text
        if codec == "ascii" or any(0x80 <= b <= 0x9F for b in data):
            notes.append(f"{where}: declared {declared}, decoded as windows-1252")
        return _decode_latin(data)
    try:
        return data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError:
        pass
    fallbacks = _UPGRADES.get(codec, ("utf-8",))
    for fallback in fallbacks:
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        notes.append(f"{where}: declared {declared}, decoded as {fallback}")
        return text
    notes.append(f"{where}: declared {declared}, undecodable bytes replaced")
    return data.decode(fallbacks[0] if codec in _UPGRADES and codec != "utf-8" else codec, errors="replace")


# ---------------------------------------------------------------------------------------------
# Headers

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WHITESPACE = re.compile(r"\s+")


def _source_bytes(text: str) -> bytes | None:
    """Bytes of a raw header string as parsed from bytes (non-ASCII kept as surrogates)."""
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return None


def _raw_text(text: str, notes: list[str], where: str) -> str:
    if text.isascii():
        return text
    data = _source_bytes(text)
    if data is None:
        return text
    decoded, used = _guess(data)
    if used != "utf-8":
        notes.append(f"{where}: raw 8-bit header decoded as {used}")
    return decoded


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "Bb":
            payload = re.sub(r"[^A-Za-z0-9+/]", "", payload)
            payload += "=" * (-len(payload) % 4)
            return binascii.a2b_base64(payload)
        return binascii.a2b_qp(payload.encode("ascii", "surrogateescape"), header=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def decode_header_value(value: str | None, notes: list[str] | None = None, where: str = "header") -> str:
    """Decode RFC 2047 encoded-words and raw 8-bit text in one raw header value. Never raises."""
    if not value:
        return ""
    if notes is None:
        notes = []
    value = _FOLD.sub("", value).replace("\r", "").replace("\n", "").replace("\x00", "")  # as in decode_bytes
    if "=?" not in value and value.isascii():
        return value
    # Segments: ("raw", text) or ("word", charset, bytes); adjacent words in one charset are joined
    # before decoding because mailers split multi-byte characters across encoded-words.
    segments: list[tuple] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        position = match.end()
        if data is None:
            segments.append(("raw", between + match.group(0)))
            continue
        if between and not (between.isspace() and segments and segments[-1][0] == "word"):
            segments.append(("raw", between))
        if segments and segments[-1][0] == "word" and segments[-1][1].lower() == charset.lower():
            segments[-1] = ("word", charset, segments[-1][2] + data)
        else:
            segments.append(("word", charset, data))
    if position < len(value):
        segments.append(("raw", value[position:]))
    parts = []
    for segment in segments:
        if segment[0] == "raw":
            parts.append(_raw_text(segment[1], notes, where))
        else:
            parts.append(decode_bytes(segment[2], segment[1], notes, where))
    return "".join(parts)


def _raw_headers(part: Message) -> list[tuple[str, str]]:
    # NUL dropped as in decode_bytes.
    return [(name.replace("\x00", ""), str(value).replace("\x00", "")) for name, value in part.raw_items()]


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    return next((value for key, value in headers if key.lower() == name), None)


def _all(headers: list[tuple[str, str]], name: str) -> list[str]:
    name = name.lower()
    return [value for key, value in headers if key.lower() == name]


def _split_params(value: str) -> list[str]:
    pieces, current, quoted, escaped = [], [], False, False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == ";" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        value = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
        return re.sub(r"\\(.)", r"\1", value)
    return value


_PARAM_NAME = re.compile(r"([^*\s]+)(?:\*(\d+))?(\*)?$")


def _params(value: str | None, notes: list[str]) -> tuple[str, dict[str, str]]:
    """A structured header's main value (lower-cased) and its decoded parameters (RFC 2231, RFC 2047)."""
    if not value:
        return "", {}
    value = _FOLD.sub("", value).replace("\r", "").replace("\n", " ")
    pieces = _split_params(value)
    main = pieces[0].strip().lower()
    plain: dict[str, str] = {}
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for piece in pieces[1:]:
        name, sep, raw = piece.partition("=")
        match = _PARAM_NAME.match(name.strip().lower())
        if not sep or not match:
            continue
        base, number, star = match.groups()
        if number is None and not star:
            plain.setdefault(base, _unquote(raw))
        else:
            extended.setdefault(base, []).append((int(number or 0), bool(star), _unquote(raw)))
    params = {name: decode_header_value(raw, notes, f"parameter {name}") for name, raw in plain.items()}
    for name, segments in extended.items():
        segments.sort(key=lambda s: s[0])
        charset = None
        data = b""
        for index, (_number, encoded, raw) in enumerate(segments):
            if encoded:
                if index == 0 and raw.count("'") >= 2:
                    charset, _language, raw = raw.split("'", 2)
                data += urllib.parse.unquote_to_bytes(_source_bytes(raw) or raw.encode("utf-8"))
            else:
                data += _source_bytes(raw) or raw.encode("utf-8")
        params[name] = decode_bytes(data, charset or None, notes, f"parameter {name}")
    return main, params


def _addresses(values: list[str], notes: list[str]) -> list[Address]:
    result = []
    for value in values:
        value = _FOLD.sub("", value).replace("\r", "").replace("\n", " ")
        try:
            pairs = email.utils.getaddresses([value])
        except Exception:  # the stdlib parser has raised on hostile input before
            pairs = []
        pairs = [(name, address) for name, address in pairs if "@" in address]
        if not pairs:
            pairs = [("", address) for address in re.findall(r"[^\s<>,;:\"']+@[^\s<>,;:\"']+", value)]
        for name, address in pairs:
            result.append(
                Address(
                    name=_WHITESPACE.sub(" ", decode_header_value(name, notes, "address")).strip(),
                    address=decode_header_value(address, notes, "address").strip(),
                )
            )
    return result


_MESSAGE_ID = re.compile(r"<([^<>]+)>")


def normalise_message_id(value: str | None) -> str | None:
    """A Message-ID without angle brackets or whitespace; None when there is none."""
    if not value:
        return None
    value = value.replace("\x00", "")  # as in decode_bytes
    match = _MESSAGE_ID.search(value)
    found = match.group(1) if match else value
    found = _WHITESPACE.sub("", found).strip("<>")
    return found or None


def _message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _MESSAGE_ID.findall(value) or value.split()
    ids = []
    for item in found:
        normalised = normalise_message_id(item)
        if normalised and normalised not in ids:
            ids.append(normalised)
    return ids


def _date(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(_WHITESPACE.sub(" ", value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


# ---------------------------------------------------------------------------------------------
# HTML

_URL_SCHEMES = set(nh3.ALLOWED_URL_SCHEMES) | {"cid"}


def sanitise_html(markup: str) -> str:
    """HTML safe to show agents: nh3's default allow-list, script/style/title removed with their text,
    inline images (cid:) kept."""
    return nh3.clean(
        markup,
        clean_content_tags={"script", "style", "title"},
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
    )


_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "title", "head"}


class _TextExtractor(HTMLParser):
    """HTML to plain text; blockquotes become '> ' lines so quoted history can be stripped like text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.depth = 0
        self.pre = 0
        self.skip = 0
        self.href: list[str | None] = []

    def flush(self):
        text = "".join(self.current)
        self.current = []
        if not self.pre:
            text = _WHITESPACE.sub(" ", text).strip()
        prefix = "> " * self.depth
        for line in text.split("\n") if self.pre else [text]:
            self.lines.append((prefix + line).rstrip())

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            if self.current or tag in ("br", "p", "hr"):
                self.flush()
            if tag == "blockquote":
                self.depth += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS and tag != "br":
            if self.current:
                self.flush()
            if tag == "blockquote":
                self.depth = max(0, self.depth - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            elif tag in ("p", "div", "table", "ul", "ol"):
                self.lines.append("> " * self.depth)
        elif tag == "a" and self.href:
            href = self.href.pop()
            shown = "".join(self.current)
            if href and href.startswith(("http://", "https://")) and href not in shown:
                self.current.append(f" <{href}>")

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)

    def text(self) -> str:
        if self.current:
            self.flush()
        lines, blank = [], False
        for line in self.lines:
            is_blank = not line.strip(" >")
            if is_blank and (blank or not lines):
                continue
            lines.append("" if is_blank and not line.strip() else line.rstrip())
            blank = is_blank
        while lines and not lines[-1].strip(" >"):
            lines.pop()
        return "\n".join(lines).strip().replace("\xa0", " ")


def html_to_text(markup: str | None) -> str:
    if not markup:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:  # HTMLParser is lenient; this only guards against the unforeseen
        return _WHITESPACE.sub(" ", re.sub(r"<[^>]*>", " ", markup)).strip()
    return extractor.text()


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)


# ---------------------------------------------------------------------------------------------
# Body and attachments


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines back into paragraphs."""
    lines, buffer = [], ""
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" ") and line != "-- " and not line.startswith(">"):
            buffer += line[:-1] if delsp else line
        else:
            lines.append(buffer + line)
            buffer = ""
    if buffer:
        lines.append(buffer)
    return "\n".join(lines)


def _safe_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable())
    return name.strip().strip(".") if name.strip(". ") else ""


class _Walker:
    def __init__(self, max_attachment_bytes: int, max_attachments: int):
        self.max_bytes = max_attachment_bytes
        self.max_count = max_attachments
        self.notes: list[str] = []
        self.defects: list[str] = []
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[Attachment] = []
        self.dropped: list[DroppedAttachment] = []
        self.bounce_status = False
        self.read_receipt = False
        self.bounced_recipients: list[str] = []
        self.parts = 0

    def walk(self, part: Message, depth: int = 0, in_alternative: bool = False):
        self.parts += 1
        for defect in getattr(part, "defects", ()):
            name = type(defect).__name__
            if name not in self.defects:
                self.defects.append(name)
        headers = _raw_headers(part)
        content_type, type_params = _params(_first(headers, "content-type"), self.notes)
        if "/" not in content_type:
            content_type = "text/plain"
        disposition, disposition_params = _params(_first(headers, "content-disposition"), self.notes)
        payload = part.get_payload() if part.is_multipart() else None
        if content_type == "message/delivery-status":
            self.bounce_status = True
            self._delivery_status(part)
            return
        if content_type == "message/disposition-notification":
            self.read_receipt = True
            return
        if part.is_multipart() and isinstance(payload, list):
            if depth >= MAX_MIME_DEPTH or self.parts > MAX_MIME_PARTS:
                self.dropped.append(DroppedAttachment("", content_type, 0, "MIME structure nested too deep"))
                return
            if content_type == "multipart/report" and type_params.get("report-type", "").lower() in (
                "delivery-status",
                "disposition-notification",
            ):
                if type_params["report-type"].lower() == "delivery-status":
                    self.bounce_status = True
                else:
                    self.read_receipt = True
            if content_type.startswith("message/"):
                self._message_part(part, headers, content_type, disposition_params)
                return
            alternative = content_type == "multipart/alternative"
            for child in payload:
                if isinstance(child, Message):
                    self.walk(child, depth + 1, alternative)
            return
        filename = disposition_params.get("filename") or type_params.get("name") or ""
        is_body = content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename
        data = self._payload(part)
        if is_body:
            charset = type_params.get("charset")
            if content_type == "text/html" and not charset:
                found = _META_CHARSET.search(data[:2048])
                charset = found.group(1).decode("ascii") if found else None
            text = decode_bytes(data, charset, self.notes, content_type)
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if content_type == "text/plain":
                if type_params.get("format", "").lower() == "flowed":
                    text = _unflow(text, type_params.get("delsp", "").lower() == "yes")
                self.texts.append(text)
            else:
                self.htmls.append(text)
            return
        content_id = normalise_message_id(_first(headers, "content-id"))
        self._attach(filename, content_type, data, disposition, content_id)

    def _payload(self, part: Message) -> bytes:
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if data is None:
            try:
                payload = part.get_payload()
            except Exception:
                payload = None
            if isinstance(payload, str):
                data = _source_bytes(payload) or payload.encode("utf-8", "replace")
            else:
                data = b""
        return data

    def _message_part(self, part: Message, headers, content_type: str, disposition_params: dict[str, str]):
        inner = part.get_payload(0)
        try:
            data = inner.as_bytes(policy=policy.compat32)
        except Exception:
            data = str(inner).encode("utf-8", "replace")
        subject = decode_header_value(_first(_raw_headers(inner), "subject"), self.notes, "attached message")
        name = disposition_params.get("filename") or (subject[:80] + ".eml" if subject else "message.eml")
        self._attach(name, content_type, data, "attachment", normalise_message_id(_first(headers, "content-id")))

    def _delivery_status(self, part: Message):
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks:
            block_headers = _raw_headers(block)
            action = (_first(block_headers, "action") or "").strip().lower()
            recipient = _first(block_headers, "final-recipient") or _first(block_headers, "original-recipient")
            if recipient and action in ("failed", "delayed", ""):
                address = recipient.split(";", 1)[-1].strip().strip("<>")
                if address and address not in self.bounced_recipients:
                    self.bounced_recipients.append(address)

    def _attach(self, filename: str, content_type: str, data: bytes, disposition: str, content_id: str | None):
        number = len(self.attachments) + len(self.dropped) + 1
        filename = _safe_filename(filename)
        if not filename:
            extension = mimetypes.guess_extension(content_type) or (
                ".eml"
                if content_type.startswith("message/")
                else ".txt"
                if content_type.startswith("text/")
                else ".bin"
            )
            filename = f"{'image' if content_type.startswith('image/') else 'attachment'}-{number}{extension}"
        if len(data) > self.max_bytes:
            reason = f"larger than the limit of {self.max_bytes} bytes"
            self.dropped.append(DroppedAttachment(filename, content_type, len(data), reason))
            return
        if len(self.attachments) >= self.max_count:
            reason = f"more than the limit of {self.max_count} attachments"
            self.dropped.append(DroppedAttachment(filename, content_type, len(data), reason))
            return
        is_inline = disposition == "inline" or (disposition == "" and content_id is not None)
        self.attachments.append(Attachment(filename, content_type, data, is_inline, content_id))


# ---------------------------------------------------------------------------------------------
# Noise: auto-replies and bounces

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"abwesenheitsnotiz|自动回复|自動回覆|自动答复|自動答覆|外出|休假中)(?:\s*[:：].*)?\s*$",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|delivery status notification|delivery failure|mail delivery failed|"
    r"returned mail|failure notice|delivery has failed|系统退信|退信|邮件投递失败|投递失败)",
    re.I,
)
_BOUNCE_SENDERS = ("mailer-daemon", "mailer_daemon", "mail-daemon")
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autogenerated", "x-mail-autoreply")


def _auto_reply_reason(headers: list[tuple[str, str]], subject: str, read_receipt: bool) -> str | None:
    auto_submitted = (_first(headers, "auto-submitted") or "").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in _AUTO_HEADERS:
        value = _first(headers, name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return f"{name}: {value.strip()}"
    precedence = (_first(headers, "precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if (_first(headers, "x-precedence") or "").strip().lower() == "auto_reply":
        return "X-Precedence: auto_reply"
    if read_receipt:
        return "read receipt (disposition-notification)"
    if _AUTO_SUBJECT.match(subject):
        return f"out-of-office subject: {subject}"
    return None


def _bounce_reason(headers, from_address: str, subject: str, walker: _Walker) -> str | None:
    if walker.bounce_status:
        return "delivery-status report"
    local = from_address.lower().split("@", 1)[0]
    if local in _BOUNCE_SENDERS:
        return f"sent by {from_address}"
    if _first(headers, "x-failed-recipients"):
        return "X-Failed-Recipients present"
    return_path = _first(headers, "return-path")
    null_sender = return_path is not None and return_path.strip() in ("<>", "")
    if _BOUNCE_SUBJECT.match(subject) and (null_sender or local == "postmaster"):
        return f"bounce subject from {'the null sender' if null_sender else from_address}"
    return None


# ---------------------------------------------------------------------------------------------
# The message


def parse_message(raw: bytes, *, max_attachment_bytes: int, max_attachments: int) -> ParsedMessage:
    """Parse one delivered message. Raises `UnparseableMessage` only when there is no message at all."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise UnparseableMessage(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        raise UnparseableMessage("empty message")
    # policy.default first, as everywhere in the desk; its header parser has raised on hostile
    # Content-Type values, so the same bytes are tried once more with compat32, which parses nothing eagerly.
    failure = None
    for parse_policy in (PARSE_POLICY, policy.compat32):
        try:
            message = email.message_from_bytes(raw, policy=parse_policy)
            headers = _raw_headers(message)
            if not headers:
                raise UnparseableMessage("no header section")
            parsed = _parse(message, headers, max_attachment_bytes, max_attachments)
        except UnparseableMessage:
            raise
        except RecursionError as error:
            raise UnparseableMessage("MIME structure too deeply nested") from error
        except Exception as error:
            failure = failure or error
            continue
        if parse_policy is policy.compat32:
            parsed.defects.append(f"policy.default failed: {type(failure).__name__}: {failure}")
        return parsed
    raise UnparseableMessage(f"unexpected {type(failure).__name__}: {failure}") from failure


def _parse(message: Message, headers: list[tuple[str, str]], max_bytes: int, max_count: int) -> ParsedMessage:
    walker = _Walker(max_bytes, max_count)
    walker.walk(message)
    notes = walker.notes

    decoded_headers = [(name, decode_header_value(value, notes, name)) for name, value in headers]
    subject = _WHITESPACE.sub(" ", _first(decoded_headers, "subject") or "").strip()
    senders = _addresses(_all(headers, "from"), notes) or _addresses(_all(headers, "sender"), notes)
    sender = senders[0] if senders else Address("", "")
    references = _message_ids(" ".join(_all(headers, "references")))
    in_reply_to = _message_ids(_first(headers, "in-reply-to"))

    text_body = "\n".join(walker.texts).strip("\n")
    html_source = "\n".join(walker.htmls)
    html_body = sanitise_html(html_source) if walker.htmls else None
    body_for_ticket = text_body if text_body.strip() else html_to_text(html_body)

    auto_reason = _auto_reply_reason(headers, subject, walker.read_receipt)
    bounce_reason = _bounce_reason(headers, sender.address, subject, walker)
    return ParsedMessage(
        message_id=normalise_message_id(_first(headers, "message-id")),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=references,
        subject=subject,
        from_address=sender.address,
        from_name=sender.name,
        to=_addresses(_all(headers, "to"), notes),
        cc=_addresses(_all(headers, "cc"), notes),
        reply_to=_addresses(_all(headers, "reply-to"), notes),
        date=_date(_first(headers, "date")),
        text_body=text_body,
        html_body=html_body,
        body_for_ticket=body_for_ticket,
        attachments=walker.attachments,
        dropped=walker.dropped,
        auto_reply=auto_reason is not None,
        auto_reply_reason=auto_reason,
        is_bounce=bounce_reason is not None,
        bounce_reason=bounce_reason,
        bounced_recipients=walker.bounced_recipients,
        charset_fallbacks=list(dict.fromkeys(notes)),
        defects=walker.defects,
        headers=decoded_headers,
    )


def thread_keys(parsed: ParsedMessage) -> list[str]:
    """Message-IDs this message answers, most specific first: In-Reply-To, then References newest first."""
    keys = []
    for key in [parsed.in_reply_to, *reversed(parsed.references)]:
        normalised = normalise_message_id(key)
        if normalised and normalised not in keys:
            keys.append(normalised)
    return keys


# ---------------------------------------------------------------------------------------------
# Ticket reference in the subject

_REPLY_PREFIX = r"(?:re|fw|fwd|aw|sv|vs|tr|wg|回复|回覆|答复|答覆|转发|轉寄|转寄|转)"


@functools.lru_cache(maxsize=32)
def _reference_patterns(prefixes: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    names = sorted(prefixes, key=len, reverse=True)
    number = rf"(?<![A-Za-z0-9])(?P<prefix>{'|'.join(re.escape(p) for p in names)})[-－‐‑](?P<number>\d{{1,12}})(?!\d)"
    bracketed = re.compile(rf"[\[【［〔]\s*{number}\s*[\]】］〕]", re.I)
    after_reply = re.compile(rf"^\s*(?:{_REPLY_PREFIX}\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+{number}", re.I)
    return bracketed, after_reply, {p.lower(): p for p in prefixes}


def find_ticket_reference(subject: str | None, prefixes: tuple[str, ...] | list[str] = ("SD",)) -> str | None:
    """The ticket number a subject refers to ('SD-000123'), or None.

    Bracketed anywhere ([SD-000123], 【SD-000123】), or bare right after reply/forward prefixes
    ('Re: SD-000123 …', '回复：SD-000123 …'); a bare number elsewhere is not trusted.
    """
    if not subject or not prefixes:
        return None
    bracketed, after_reply, canonical = _reference_patterns(tuple(prefixes))
    match = bracketed.search(subject) or after_reply.search(subject)
    if not match:
        return None
    return f"{canonical[match.group('prefix').lower()]}-{match.group('number')}"


# ---------------------------------------------------------------------------------------------
# Quoted history and signatures

_ATTRIBUTIONS = [
    re.compile(r"^\s*On\b.*\d.*\bwrote\s*:\s*$", re.I),
    re.compile(r"^\s*在.*\d.*写道\s*[:：]\s*$"),
    re.compile(r"^.*于\s*\d{4}\s*年.*写道\s*[:：]\s*$"),
    re.compile(r"^\s*於.*\d.*寫道\s*[:：]\s*$"),
]
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|原始邮件|邮件原件|原始郵件|郵件原件|回复的原邮件)\s*-{2,}\s*$", re.I
)
_RULE = re.compile(r"^\s*(?:_{8,}|-{8,})\s*$")
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|发件人|寄件者|發件人)\s*\*?\s*[:：]", re.I)
_HEADER_DATE = re.compile(r"^\s*\*?(?:sent|date|发送时间|日期|时间|寄件日期|傳送時間)\s*\*?\s*[:：]", re.I)
_HEADER_OTHER = re.compile(r"^\s*\*?(?:to|subject|收件人|主题|收件者|主旨|抄送|cc)\s*\*?\s*[:：]", re.I)
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE = re.compile(
    r"^\s*(?:sent from my \S.{0,40}|sent from (?:mail|outlook|yahoo mail) for \S.{0,30}|get outlook for \S.{0,30}|"
    r"发自我的\s*\S.{0,30}|来自我的\s*\S.{0,30}|從我的\s*\S.{0,30}傳送|发自\s*(?:网易|QQ|Foxmail)\S{0,20}.{0,30})\s*$",
    re.I,
)


def _header_block_at(lines: list[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index]):
        return False
    window = lines[index + 1 : index + 7]
    return any(_HEADER_DATE.match(line) for line in window) and any(_HEADER_OTHER.match(line) for line in window)


def _cut_index(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if line.startswith(">"):
            continue
        if _SEPARATOR.match(line) or _SIGNATURE.match(line) or _MOBILE.match(line):
            return index
        following = lines[index + 1] if index + 1 < len(lines) else ""
        for pattern in _ATTRIBUTIONS:
            if pattern.match(line) or (following and pattern.match(f"{line} {following}")):
                return index
        if _header_block_at(lines, index):
            start = index
            previous = index - 1
            while previous >= 0 and not lines[previous].strip():
                previous -= 1
            if previous >= 0 and _RULE.match(lines[previous]):
                start = previous
            return start
    # A trailing block of '>' lines (interleaved answers are kept with their quotes).
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if not end or not lines[end - 1].startswith(">"):
        return None
    start = end
    while start and (lines[start - 1].startswith(">") or not lines[start - 1].strip()):
        start -= 1
    return start


def strip_quoted(text: str) -> tuple[str, str]:
    """Split a reply into (what the sender wrote, the quoted history and signature after it).

    When nothing but quoted text remains, the original is kept whole: (text, '').
    """
    if not text:
        return "", ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _cut_index(lines)
    if cut is None:
        return text.strip("\n").rstrip(), ""
    reply = "\n".join(lines[:cut]).strip("\n").rstrip()
    if not reply.strip():
        return text.strip("\n").rstrip(), ""
    return reply, "\n".join(lines[cut:]).strip("\n").rstrip()
