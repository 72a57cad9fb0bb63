"""Import configuration items from a spreadsheet (CSV or Excel): a dry run that says, row by row, what would be
created, changed or refused and why, and an apply that does it.

Both run the very same path and the dry run rolls it all back at the end. Rows go a thousand at a time: the
items a chunk names are read and locked at once, each row is checked and applied in memory by
`actions.build_item` / `actions.change_item` (the checks of create_item / update_item, so a refused row is
refused for the reason any other channel would give), and `actions.save_imported` writes the chunk in batches
with each item's own audit entries, noted "imported from <file>" — an item's history shows it was imported and
what changed — and announces each item after commit. The apply commits each chunk (a 50,000-row file holds no
lock for long; a refused row refuses only itself either way). A row names an existing item by its serial number,
else by type and name.

Columns (the header row; English keys or the Chinese headers below; any order): type, name, status, critical,
owner, user, organisation, location, supplier, contract, serial, then the type's own fields by key. An empty
cell leaves the field as it is (a new item: its default).
"""

from __future__ import annotations

import copy
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
from servicedesk.core import audit
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
# Rows saved (and, on apply, committed) together.
CHUNK = 1000


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


def _existing(record: dict, ci_type: CiType, lookups: _Lookups) -> int | ConfigItem | None:
    """The item a row names: an id, or an item an earlier row of this chunk makes (not saved yet)."""
    serial = str(record.get("serial") or "")
    if serial:
        found = lookups.by_serial.get(serial)
    else:
        found = lookups.by_name.get((ci_type.pk, str(record.get("name") or "")))
    return found.pk if isinstance(found, ConfigItem) and found.pk is not None else found


class _Chunk:
    """Up to CHUNK rows taken through build_item / change_item in memory, then saved by one save_imported: the
    items they name read (and locked) at once, a refused row leaving no trace (each row works on a copy)."""

    def __init__(self, rows: list[tuple[int, dict]], lookups: _Lookups):
        self.lookups = lookups
        self.prepared = []
        ids = set()
        for number, record in rows:
            try:
                data, ci_type = _input(record, lookups)
            except ActionError as refused:
                self.prepared.append((number, record, refused))
                continue
            self.prepared.append((number, record, (data, ci_type)))
            target = _existing(record, ci_type, lookups)
            if isinstance(target, int):
                ids.add(target)
        self.items: dict[int, ConfigItem] = {}
        for chunk in _chunks(sorted(ids)):
            self.items.update((i.pk, i) for i in ConfigItem.objects.select_for_update(of=("self",))
                              .select_related("type", "owner", "user", "organisation").filter(pk__in=chunk))
        self.created: dict[int, ConfigItem] = {}  # by id(): the same new item may be changed by a later row
        self.history: list[tuple[ConfigItem, str, dict]] = []

    def _row(self, number: int, record: dict, data: actions.ItemInput, ci_type: CiType) -> RowResult:
        target = _existing(record, ci_type, self.lookups)
        if target is None:
            made = actions.build_item(data)
            self.created[id(made)] = made
            self.history.append((made, audit.Action.CREATED, audit.created_changes(made)))
            if made.serial:
                self.lookups.by_serial[made.serial] = made
            self.lookups.by_name.setdefault((ci_type.pk, made.name), made)
            return RowResult(number, Outcome.CREATE, made.name)
        current = target if isinstance(target, ConfigItem) else self.items.get(target)
        if current is None:
            raise ActionError(_("No such configuration item."))
        item = copy.copy(current)
        # Attributes not in the file stay as they are: a column the file leaves out changes nothing.
        data.attributes = {**item.attributes, **data.attributes}
        changes = actions.change_item(item, data)[1]
        if not changes:
            return RowResult(number, Outcome.UNCHANGED, item.name)
        self._replace(current, item)
        self.history.append((item, audit.Action.CHANGED, changes))
        return RowResult(number, Outcome.CHANGE, item.name)

    def _replace(self, current: ConfigItem, item: ConfigItem) -> None:
        if current.pk is not None:
            self.items[current.pk] = item
            return
        # A new item changed by a later row: the copy is what is created; the lookups name it from now on.
        del self.created[id(current)]
        self.created[id(item)] = item
        self.history = [(item if made is current else made, action, changes) for made, action, changes in self.history]
        for table in (self.lookups.by_serial, self.lookups.by_name):
            for key in [key for key, value in table.items() if value is current]:
                table[key] = item

    def run(self, report: Report, *, actor: User, channel: str, note: str) -> None:
        for number, record, prepared in self.prepared:
            name = str(record.get("name") or "")
            try:
                if isinstance(prepared, ActionError):
                    raise prepared
                report.add(self._row(number, record, *prepared))
            except ActionError as refused:
                report.add(RowResult(number, Outcome.REFUSED, name, refused.message))
        changed_ids = {item.pk for item, action, _changes in self.history if action == audit.Action.CHANGED}
        actions.save_imported(list(self.created.values()), [self.items[pk] for pk in changed_ids if pk is not None],
                              self.history, actor=actor, channel=channel, note=note)


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
    note = _("imported from %(file)s") % {"file": Path(name).name[:200]}
    # The apply commits chunk by chunk (a 50,000-row file holds no lock for a minute); the dry run is the same
    # path inside one transaction rolled back at the end, so it reports what the apply would do.
    def chunks() -> None:
        for start in range(0, len(records), CHUNK):
            with transaction.atomic():
                _Chunk(records[start:start + CHUNK], lookups).run(report, actor=actor, channel=channel, note=note)

    if apply:
        chunks()
        return report
    with transaction.atomic():
        chunks()
        transaction.set_rollback(True)
    return report
