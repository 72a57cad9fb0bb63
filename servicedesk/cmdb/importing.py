"""Import configuration items from a spreadsheet (CSV or Excel): a dry run that says, row by row, what would be
created, changed or refused and why, and an apply that does it.

Both run the very same path — every row through `actions.create_item` / `actions.update_item` in its own
savepoint, so a refused row is refused for the reason any other channel would give — and the dry run rolls the
whole transaction back at the end. A row names an existing item by its serial number, else by type and name.

Columns (the header row; English keys or the Chinese headers below; any order): type, name, status, critical,
owner, user, organisation, location, supplier, contract, serial, then the type's own fields by key. An empty
cell leaves the field as it is (a new item: its default).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Group, Organisation, User
from servicedesk.core.errors import ActionError

from . import actions
from .models import CiType, ConfigItem, ItemStatus

MAX_ROWS = 100_000
# Rows named in the report; the counts cover every row.
REPORT_LIMIT = 1000
COLUMNS = ("type", "name", "status", "critical", "owner", "user", "organisation", "location", "supplier", "contract",
           "serial")
CHINESE_HEADERS = {"类型": "type", "名称": "name", "状态": "status", "关键": "critical", "负责组": "owner",
                   "使用人": "user", "组织": "organisation", "位置": "location", "供应商": "supplier",
                   "合同": "contract", "序列号": "serial"}
YES = {"yes", "y", "true", "1", "是", "x"}
NO = {"no", "n", "false", "0", "否", ""}
LOOKUP_CHUNK = 500


class Outcome:
    CREATE = "create"
    CHANGE = "change"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclasses.dataclass
class RowResult:
    row: int  # as the spreadsheet numbers it: the header is row 1
    outcome: str
    name: str
    reason: str = ""


@dataclasses.dataclass
class Report:
    applied: bool
    counts: dict[str, int] = dataclasses.field(
        default_factory=lambda: {Outcome.CREATE: 0, Outcome.CHANGE: 0, Outcome.UNCHANGED: 0, Outcome.REFUSED: 0})
    rows: list[RowResult] = dataclasses.field(default_factory=list)

    def add(self, result: RowResult) -> None:
        self.counts[result.outcome] += 1
        if len(self.rows) < REPORT_LIMIT and result.outcome != Outcome.UNCHANGED:
            self.rows.append(result)

    @property
    def refused(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == Outcome.REFUSED]


def read_rows(name: str, data: bytes) -> Iterator[list]:
    """The cells of each row of a .csv (UTF-8, or GB18030 as Excel saves it in China) or .xlsx file."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        import openpyxl  # read only here: the desk starts without loading it
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError) as exc:
            raise ActionError(_("This is not an Excel workbook (.xlsx) the desk can read.")) from exc
        yield from rows
        return
    if suffix != ".csv":
        raise ActionError(_("Import a .csv or .xlsx file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ActionError(_("The CSV file is neither UTF-8 nor GB18030 text.")) from None
    if "\x00" in text:
        raise ActionError(_("Text may not contain the NUL character (\\u0000)."))
    yield from csv.reader(io.StringIO(text))


def _cell(value) -> str | object:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


class _Lookups:
    """The reference data a file names, read once: types, groups, organisations; people and items by chunk."""

    def __init__(self):
        self.types = {}
        for t in CiType.objects.all():
            for key in (t.key, t.name, t.name_zh):
                if key:
                    self.types[key.lower()] = t
        self.groups = {}
        for g in Group.objects.all():
            for key in (g.name, g.name_zh):
                if key:
                    self.groups[key.lower()] = g
        self.organisations = {o.name.lower(): o for o in Organisation.objects.all()}
        self.statuses = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                self.statuses.update({str(label).lower(): value for value, label in ItemStatus.choices})
        self.statuses.update({value: value for value in ItemStatus.values})
        self.people: dict[str, User] = {}
        self.by_serial: dict[str, int] = {}
        self.by_name: dict[tuple[int, str], int] = {}

    def prefetch(self, records: list[dict]) -> None:
        names = {str(r.get("user") or "").lower() for r in records} - {""} - set(self.people)
        for chunk in _chunks(sorted(names)):
            for person in User.objects.filter(Q(username__in=chunk) | Q(email__in=chunk), is_active=True):
                self.people[person.username.lower()] = person
                if person.email:
                    self.people.setdefault(person.email.lower(), person)
        serials = sorted({str(r.get("serial") or "") for r in records} - {""})
        for chunk in _chunks(serials):
            self.by_serial.update(ConfigItem.objects.filter(serial__in=chunk).values_list("serial", "pk"))
        item_names = sorted({str(r.get("name") or "") for r in records} - {""})
        for chunk in _chunks(item_names):
            for type_id, name, pk in ConfigItem.objects.filter(name__in=chunk).values_list("type_id", "name", "pk"):
                self.by_name.setdefault((type_id, name), pk)


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]


def _header(cells: list) -> list[str]:
    keys = []
    for cell in cells:
        text = str(cell or "").strip()
        keys.append(CHINESE_HEADERS.get(text, text.lower()))
    if "name" not in keys or "type" not in keys:
        raise ActionError(_("The first row must name the columns, at least “type” and “name”."))
    return keys


def _one(table: dict, value, message: str):
    if value == "":
        return None
    found = table.get(str(value).lower())
    if found is None:
        raise ActionError(message % {"value": value})
    return found


def _input(record: dict, lookups: _Lookups) -> tuple[actions.ItemInput, CiType]:
    ci_type = _one(lookups.types, record.get("type", ""), _("Unknown configuration item type: %(value)s"))
    if ci_type is None:
        raise ActionError(_("The row names no type."))
    data = actions.ItemInput(type=ci_type)
    name = record.get("name", "")
    data.name = str(name) if name != "" else None
    for key in ("location", "supplier", "contract", "serial"):
        if record.get(key, "") != "":
            setattr(data, key, str(record[key]))
    if record.get("status", "") != "":
        data.status = _one(lookups.statuses, record["status"], _("Unknown status: %(value)s"))
    if "critical" in record:
        flag = str(record["critical"]).lower()
        if flag not in YES | NO:
            raise ActionError(_("“critical” is yes or no, not %(value)s.") % {"value": record["critical"]})
        if flag:
            data.critical = flag in YES
    if record.get("owner", "") != "":
        data.owner = _one(lookups.groups, record["owner"], _("Unknown group: %(value)s"))
    if record.get("user", "") != "":
        data.user = _one(lookups.people, record["user"], _("Nobody active is called %(value)s."))
    if record.get("organisation", "") != "":
        data.organisation = _one(lookups.organisations, record["organisation"], _("Unknown organisation: %(value)s"))
    fields = {d["key"] for d in ci_type.fields}
    attributes = {key: value for key, value in record.items() if key not in COLUMNS and value != ""}
    unknown = sorted(set(attributes) - fields)
    if unknown:
        raise ActionError(_("%(type)s items have no field %(keys)s.")
                          % {"type": ci_type.local_name, "keys": ", ".join(unknown)})
    data.attributes = attributes
    return data, ci_type


def _existing(record: dict, ci_type: CiType, lookups: _Lookups) -> int | None:
    serial = str(record.get("serial") or "")
    if serial:
        return lookups.by_serial.get(serial)
    return lookups.by_name.get((ci_type.pk, str(record.get("name") or "")))


def _apply_row(number: int, record: dict, lookups: _Lookups, actor: User, channel: str) -> RowResult:
    name = str(record.get("name") or "")
    try:
        with transaction.atomic():
            data, ci_type = _input(record, lookups)
            pk = _existing(record, ci_type, lookups)
            if pk is None:
                made = actions.create_item(actor=actor, channel=channel, data=data)
                if made.serial:
                    lookups.by_serial[made.serial] = made.pk
                lookups.by_name.setdefault((ci_type.pk, made.name), made.pk)
                return RowResult(number, Outcome.CREATE, made.name)
            before = ConfigItem.objects.filter(pk=pk).values_list("version", "attributes").first()
            # Attributes not in the file stay as they are: a column the file leaves out changes nothing.
            data.attributes = {**before[1], **data.attributes}
            changed = actions.update_item(pk, actor=actor, channel=channel, data=data)
            outcome = Outcome.CHANGE if changed.version != before[0] else Outcome.UNCHANGED
            return RowResult(number, outcome, changed.name)
    except ActionError as refused:
        return RowResult(number, Outcome.REFUSED, name, refused.message)


def run_import(name: str, data: bytes, *, actor: User, channel: str, apply: bool) -> Report:
    """Read the file and take every row through the actions; roll it all back unless `apply`."""
    actions.require_manager(actor)
    rows = read_rows(name, data)
    header = next(rows, None)
    if header is None:
        raise ActionError(_("The file is empty."))
    keys = _header(header)
    records: list[tuple[int, dict]] = []
    for number, cells in enumerate(rows, start=2):
        if not any(_cell(c) != "" for c in cells):
            continue
        if len(records) >= MAX_ROWS:
            raise ActionError(_("A file can hold at most %(max)s rows.") % {"max": MAX_ROWS})
        records.append((number, {key: _cell(value) for key, value in zip(keys, cells, strict=False) if key}))
    report = Report(applied=apply)
    lookups = _Lookups()
    lookups.prefetch([record for _number, record in records])
    with transaction.atomic():
        for number, record in records:
            report.add(_apply_row(number, record, lookups, actor, channel))
        if not apply:
            transaction.set_rollback(True)
    return report
