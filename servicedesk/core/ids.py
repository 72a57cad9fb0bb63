"""Row ids and numbers typed by people or clients: `str.isdigit()` accepts "³" and "٣", which
`int()` refuses, and a number past 64 bits overflows SQLite's integers. Every id read from a form,
a query string or a path segment goes through `parse_id`."""

MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """A positive id in ASCII digits within the databases' 64-bit range, else None."""
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def is_id(value) -> bool:
    return parse_id(value) is not None
