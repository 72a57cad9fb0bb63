"""Serving stored files (attachments, raw mail): one response shape for every download route.

A stored file is read through its storage (the filesystem, or object storage: docs/storage.md) only
after the caller's permission check, and streamed; with SERVICEDESK_DOWNLOAD_REDIRECT an object
store's file is a redirect to a signed URL that expires, carrying the same type and disposition.

The type sent is decided by the desk from the file name's extension through a fixed map of types a
browser only displays or saves; anything else, above all what a browser could run (HTML, SVG, XHTML,
JavaScript, XML), goes out as application/octet-stream. What the uploader claimed is never used. Every
download is an attachment, may not be sniffed into another type, and runs sandboxed if opened anyway.
"""

from __future__ import annotations

import os
import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

SAFE_TYPES = {
    ".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv", ".md": "text/plain",
    ".pdf": "application/pdf", ".rtf": "application/rtf", ".json": "application/json",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
    ".heic": "image/heic",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".wps": "application/vnd.ms-works", ".et": "application/vnd.ms-excel", ".dps": "application/vnd.ms-powerpoint",
    ".zip": "application/zip", ".7z": "application/x-7z-compressed", ".rar": "application/vnd.rar",
    ".gz": "application/gzip", ".tgz": "application/gzip", ".tar": "application/x-tar",
    ".eml": "message/rfc822", ".msg": "application/vnd.ms-outlook",
    ".mp3": "audio/mpeg", ".wav": "audio/wav", ".mp4": "video/mp4", ".mov": "video/quicktime",
}
FALLBACK_TYPE = "application/octet-stream"
# A file opened in the browser anyway (e.g. a PDF viewer) runs in a sandbox of its own with nothing loaded.
DOWNLOAD_CSP = "default-src 'none'; sandbox"

_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f]")


def content_type_for(filename: str) -> str:
    """The type the desk stores and serves for a file of this name."""
    return SAFE_TYPES.get(os.path.splitext(filename or "")[1].lower(), FALLBACK_TYPE)


def content_disposition(filename: str) -> str:
    """`attachment` with the name as RFC 6266 `filename*` (UTF-8) and an ASCII `filename` for old clients."""
    name = _UNSAFE_IN_NAME.sub("", filename or "") or "download"
    ascii_name = "".join(
        c if c.isascii() and c not in '"\\' else "_" for c in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(c)
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(content, filename: str) -> HttpResponse:
    """A download of `content` (an open binary file, streamed, or bytes) under `filename`."""
    content_type = content_type_for(filename)
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


def stored_download(file: FieldFile, filename: str, *, redirect: bool = True) -> HttpResponse:
    """A download of a stored file, for a caller that has checked the viewer may have it; `redirect=False`
    always streams it (a file shown inside the desk's pages, which load nothing from another origin).

    Raises FileNotFoundError (or ValueError for an empty field) when there is nothing to send."""
    if not file:
        raise ValueError("No file is stored.")
    storage = file.storage
    if redirect and settings.SERVICEDESK_DOWNLOAD_REDIRECT and getattr(storage, "querystring_auth", False):
        if not storage.exists(file.name):
            raise FileNotFoundError(file.name)
        signed = storage.url(file.name, expire=settings.SERVICEDESK_DOWNLOAD_URL_SECONDS, parameters={
            "ResponseContentType": content_type_for(filename),
            "ResponseContentDisposition": content_disposition(filename),
        })
        return HttpResponseRedirect(signed)
    stream, size = open_stored(storage, file.name)
    response = download_response(stream, filename)
    if size is not None:
        response["Content-Length"] = str(size)
    return response


def open_stored(storage, name: str):
    """A stored file opened for reading as a stream, and its size when the storage told it on the way.

    django-storages' S3File copies the whole object into memory on its first read: an object's body
    is streamed instead. Raises FileNotFoundError."""
    handle = storage.open(name, "rb")
    remote = getattr(handle, "obj", None)
    if remote is None:
        return handle, None
    return remote.get()["Body"], remote.content_length  # known from the open's HEAD
