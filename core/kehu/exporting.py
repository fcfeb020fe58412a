"""Export any customer list to CSV or XLSX (SPEC D4): the same rows and values the list shows.

    with open("customers.xlsx", "wb") as out:
        count = export_customers(app, actor, conditions, fmt="xlsx", lang="zh", out=out)

Rows come only through the read path of the screens and the API: `kehu.query.list_customers`
(permission scope, soft deletion, D5's default and the conditions in one WHERE) and
`kehu.views.customer_views` (hidden and masked fields), so a file never holds a row or a value
its reader could not see on the list.  The approval workflow of G6 is a later issue; until then
`app.authorize(actor, "export")` lets a permissions plugin refuse exports outright.

Columns: the customer code, then every field the actor may see (hidden ones are left out) in
field order, with the primary contact's name, mobile and e-mail after the contact information;
headers are labels in the chosen language, choices are shown as their labels, multi-selects
joined with "、" (zh) or ", " (en).

Memory stays flat at any size: pages of `PAGE_SIZE` customers are read (keyset cursor when the
sort allows it), written and dropped from the session before the next page; CSV rows go straight
to `out`, XLSX rows to openpyxl's write-only sheet (inline strings, rows spooled to a temporary
file).  All pages are read in one transaction — on PostgreSQL at REPEATABLE READ — so the file
is one consistent picture even while others keep writing.

Formula injection (OWASP "CSV injection"): every text cell that starts with `=`, `+`, `-`, `@`,
a tab, a carriage return or NUL gets a leading apostrophe, in CSV and XLSX alike; NUL characters
are removed (and in XLSX the other control characters the format cannot hold).  Numbers (amounts,
integers) are real numbers: numeric cells in XLSX, plain digits in CSV.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO, Literal

from kehu.actors import Actor
from kehu.errors import FieldError, ValidationFailed
from kehu.fields import CATEGORIES, Access, FieldDef, FieldType
from kehu.i18n import N_, gettext
from kehu.messages import LIST_SEPARATOR
from kehu.query import DEFAULT_SORT, KEYSET_SORTS, MAX_LIMIT, Condition, authorize_list, list_customers
from kehu.timeutil import zone
from kehu.views import customer_views

Format = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv",  # UTF-8 (web responses add "; charset=utf-8" themselves)
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# list_customers caps a page at MAX_LIMIT; one page is what the export holds in memory at once.
PAGE_SIZE = MAX_LIMIT

# The primary contact's columns: key (usable in `fields`), contact field, label (English msgid).
CONTACT_COLUMNS = (
    ("primary_contact.name", "name", N_("Primary contact")),
    ("primary_contact.mobile", "mobile", N_("Primary contact mobile")),
    ("primary_contact.email", "email", N_("Primary contact e-mail")),
)

# OWASP: cells starting with these are read as formulas (or shift into one) by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Characters the XLSX format cannot hold (openpyxl refuses them): C0 controls but \t \n \r.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str, *, xlsx: bool = False) -> str:
    """`text` safe for a spreadsheet cell: NULs removed, a formula-like start made literal with `'`."""
    text = _XLSX_ILLEGAL.sub("", text) if xlsx else text.replace("\0", "")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # Turns a view value into the cell's value: str, Decimal, int, date, datetime or None.
    value: Callable[[Any], Any]
    number_format: str | None = None  # XLSX display of numbers and dates


def _joined(lang: str) -> str:
    return gettext(lang, LIST_SEPARATOR)


def _field_column(f: FieldDef, lang: str, masked: bool) -> Column:
    label = f.label(lang)
    if masked:  # the view holds the mask ("110***********123X"): text, whatever the type
        return Column(f.key, label, _text)
    labels = {c.value: c.label(lang) for c in f.choices}
    match f.type:
        case FieldType.ENUM:
            return Column(f.key, label, lambda v: None if v is None else labels.get(v, str(v)))
        case FieldType.MULTI_ENUM | FieldType.LIST:
            sep = _joined(lang)
            return Column(f.key, label, lambda v: (
                sep.join(labels.get(x, str(x)) for x in v) if isinstance(v, list) else _text(v)))
        case FieldType.DECIMAL:
            return Column(f.key, label, _decimal, "#,##0.00")
        case FieldType.INTEGER:
            return Column(f.key, label, _integer, "0")
        case FieldType.DATE:
            return Column(f.key, label, _date, "yyyy-mm-dd")
        case FieldType.DATETIME:
            return Column(f.key, label, _datetime, "yyyy-mm-dd hh:mm")
        case FieldType.BOOLEAN:
            yes, no = gettext(lang, N_("yes")), gettext(lang, N_("no"))
            return Column(f.key, label, lambda v: None if v is None else (yes if v else no))
    return Column(f.key, label, _text)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _decimal(value: Any) -> Decimal | str | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:  # not a number after all: shown as (neutralised) text
        return str(value)


def _integer(value: Any) -> int | str | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _date(value: Any) -> date | str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)


def _datetime(value: Any) -> datetime | str | None:
    """Wall time in the installation's zone, without a zone (spreadsheets have none)."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone()).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def columns_for(app, actor: Actor, lang: str = "zh", fields: Sequence[str] | None = None) -> list[Column]:
    """The columns `actor` gets: code first, then visible fields (or those of `fields`, in order).

    `fields` names field keys and the contact columns `primary_contact.name|mobile|email`; an
    unknown key is refused, a key hidden from the actor is left out as if not asked for.
    """
    access = app.field_access(actor)

    def visible(key: str) -> bool:
        return access.get(key) != Access.HIDDEN

    def field_column(f: FieldDef) -> Column:
        return _field_column(f, lang, access.get(f.key) == Access.MASKED)

    contact_columns = {
        key: Column(key, gettext(lang, label), _text)
        for key, contact_key, label in CONTACT_COLUMNS if visible(f"contacts.{contact_key}")
    }
    code = Column("code", app.fields["code"].label(lang), _text)
    if fields is None:
        columns = [code]
        contact_rank = list(CATEGORIES).index("contact")
        placed = False
        for f in app.fields:
            if f.key == "code" or not visible(f.key):
                continue
            if not placed and list(CATEGORIES).index(f.category) > contact_rank:
                columns += contact_columns.values()
                placed = True
            columns.append(field_column(f))
        if not placed:
            columns += contact_columns.values()
        return columns
    known = {key for key, *_ in CONTACT_COLUMNS}
    unknown = [k for k in fields if k not in app.fields and k not in known]
    if unknown:
        raise ValidationFailed([FieldError("fields", "unknown_field", {"field": k}) for k in unknown])
    columns = [code]
    for key in dict.fromkeys(fields):
        if key == "code":
            continue
        if key in known:
            if key in contact_columns:
                columns.append(contact_columns[key])
        elif visible(key):
            columns.append(field_column(app.fields[key]))
    return columns


def _cells(columns: Sequence[Column], view: dict[str, Any], primary: dict[str, Any] | None) -> list[Any]:
    cells = []
    for column in columns:
        if column.key.startswith("primary_contact."):
            raw = (primary or {}).get(column.key.partition(".")[2])
        else:
            raw = view.get(column.key)
        cells.append(column.value(raw))
    return cells


def _primary(customer, view: dict[str, Any]) -> dict[str, Any] | None:
    """The primary contact as the view shows it (masked like the view masks it)."""
    primary_id = next((c.id for c in customer.contacts if c.is_primary), None)
    contacts = view.get("contacts") or []
    return next((c for c in contacts if c.get("id") == primary_id), contacts[0] if contacts else None)


# --- writers -------------------------------------------------------------------------------


class _CsvWriter:
    """UTF-8 with a BOM (so Excel reads it as UTF-8), CRLF line ends, minimal quoting."""

    def __init__(self, out: BinaryIO):
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        self._text.write("\ufeff")
        self._csv = csv.writer(self._text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def header(self, columns: Sequence[Column]) -> None:
        self._csv.writerow([neutralise(c.label) for c in columns])

    def rows(self, columns: Sequence[Column], rows: Iterable[list[Any]]) -> None:
        self._csv.writerows([self._cell(v) for v in row] for row in rows)

    @staticmethod
    def _cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return f"{value:f}"  # plain digits, never 1E+3
        if isinstance(value, int):
            return str(value)
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return neutralise(str(value))

    def finish(self) -> None:
        """Flush, and leave `out` open for the caller (detach: the wrapper must not close it)."""
        self._text.flush()
        self._text.detach()

    def abort(self) -> None:
        with suppress(Exception):
            self.finish()


class _XlsxWriter:
    """openpyxl's write-only workbook: rows are written as they come, strings inline."""

    def __init__(self, out: BinaryIO, lang: str):
        from openpyxl import Workbook

        self._out = out
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(gettext(lang, N_("Customers")))
        self._styles: dict[str, Any] = {}

    def header(self, columns: Sequence[Column]) -> None:
        from openpyxl.utils import get_column_letter

        sheet = self._sheet
        sheet.freeze_panes = "A2"  # write-only sheets take layout before the first row
        for i, column in enumerate(columns, start=1):
            wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in column.label)
            sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, wide + 2))
        sheet.append([self._string(c.label) for c in columns])

    def rows(self, columns: Sequence[Column], rows: Iterable[list[Any]]) -> None:
        for row in rows:
            self._sheet.append([self._cell(column, value) for column, value in zip(columns, row, strict=True)])

    def _string(self, text: str):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet, neutralise(text, xlsx=True))
        cell.data_type = "s"  # always a string: never a formula, never an error code like "#N/A"
        return cell

    def _cell(self, column: Column, value: Any):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int | date):
            return self._string(str(value))
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet, value)
        if column.number_format:
            cell.number_format = column.number_format
        return cell

    def finish(self) -> None:
        self._book.save(self._out)  # copies the spooled sheet into the zip, then deletes it

    def abort(self) -> None:
        """Delete the sheet's temporary file now rather than when the process ends."""
        for sheet in self._book.worksheets:
            writer = getattr(sheet, "_writer", None)
            if writer is not None:
                with suppress(Exception):
                    sheet.close()
                with suppress(Exception):
                    writer.cleanup()


# --- the export ----------------------------------------------------------------------------


def export_customers(
    app, actor: Actor, conditions: Sequence[Condition] = (), *, fmt: Format, lang: str = "zh",
    sort: str = DEFAULT_SORT, include_hidden: bool = False, out: BinaryIO,
    fields: list[str] | None = None,
) -> int:
    """Write the customers `actor` may list that meet `conditions` to `out`; returns the row count.

    Refusals (Forbidden, ValidationFailed for a bad sort or field) come before anything is
    written to `out`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    lang = "en" if lang == "en" else "zh"
    app.authorize(actor, "export")
    authorize_list(app, actor, include_hidden=include_hidden)
    columns = columns_for(app, actor, lang, fields)
    sort = sort or DEFAULT_SORT
    keyset = all(part.strip().lstrip("-+") in KEYSET_SORTS for part in sort.split(",") if part.strip())
    writer: _CsvWriter | _XlsxWriter | None = None
    count = 0
    try:
        with app.db.read() as session:
            if session.bind.dialect.name == "postgresql":  # one snapshot for every page
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            cursor: str | None = None
            while True:
                # Keyset pages cost the same at any depth; other sorts fall back to offsets, which
                # the single snapshot keeps exact (no row skipped or repeated between pages).
                page = list_customers(app, session, actor, conditions, sort=sort, limit=PAGE_SIZE,
                                      offset=0 if keyset else count, cursor=cursor, with_total=False,
                                      include_hidden=include_hidden)
                if writer is None:  # the first page passed every check: now the file starts
                    writer = _CsvWriter(out) if fmt == "csv" else _XlsxWriter(out, lang)
                    writer.header(columns)
                views = customer_views(app, session, actor, page.items)
                writer.rows(columns, [_cells(columns, view, _primary(customer, view))
                                      for customer, view in zip(page.items, views, strict=True)])
                count += len(page.items)
                session.expunge_all()  # flat memory: this page's objects go
                if keyset:
                    cursor = page.next_cursor
                    if cursor is None:
                        break
                elif len(page.items) < PAGE_SIZE:
                    break
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is None:  # pragma: no cover - the loop always reads a first page
        raise AssertionError("no page read")
    writer.finish()
    return count
