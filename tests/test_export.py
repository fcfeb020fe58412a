"""Export of customer lists to CSV and XLSX (SPEC D4): the list's rows and values, as files.

Through the service (`kehu.exporting`), the API (GET /api/customers/export) and the CLI
(`kehu export`); every test runs on SQLite and on PostgreSQL (the `make_kehu` fixtures).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import update

from kehu import cli as kehu_cli
from kehu import customfields, exporting, records
from kehu.actors import Actor, load_actor
from kehu.app import Kehu
from kehu.errors import Forbidden, ValidationFailed
from kehu.exporting import export_customers
from kehu.fields import Access, FieldDef, FieldType, Storage
from kehu.models import Customer, User
from kehu.query import list_customers, parse_conditions
from kehu.testing import api_headers, customer_payload, make_plugin
from kehu.timeutil import today
from kehu.views import mask
from kehu.web import create_web_app

BOM = b"\xef\xbb\xbf"


def export(app, actor=None, params=None, **options) -> bytes:
    out = io.BytesIO()
    conditions = parse_conditions(app, params or {})
    options.setdefault("fmt", "csv")
    count = export_customers(app, actor or app.system_actor, conditions, out=out, **options)
    data = out.getvalue()
    rows = read(data, options["fmt"])
    assert count == len(rows) - 1  # the count returned is the rows written, header aside
    return data


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    text = data[len(BOM):].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


def read(data: bytes, fmt: str) -> list[list]:
    if fmt == "csv":
        return read_csv(data)
    return [[c.value for c in row] for row in read_xlsx(data)]


def as_dicts(rows: list[list]) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def listed_codes(app, actor=None, params=None, **kwargs) -> list[str]:
    with app.db.read() as s:
        page = list_customers(app, s, actor or app.system_actor, parse_conditions(app, params or {}),
                              limit=500, **kwargs)
        return [c.code for c in page.items]


def add_user(app, username: str) -> Actor:
    with app.db.write() as s:
        s.add(User(username=username, display_name="访客"))
    with app.db.read() as s:
        return load_actor(s, username)


# --- CSV: encoding, header, rows ------------------------------------------------------------


@pytest.mark.parametrize("lang, labels, grade, demands", [
    ("zh", ["客户编号", "客户名称", "主要联系人", "主要联系人手机", "客户等级", "累计金额（元）"],
     "A类（高价值）", "价格敏感、质量优先"),
    ("en", ["Customer code", "Customer name", "Primary contact", "Primary contact mobile", "Value grade",
            "Cumulative amount (CNY)"], "A (high value)", "Price-sensitive, Quality first"),
])
def test_csv_round_trip(kehu_app, lang, labels, grade, demands):
    app = kehu_app
    for n in range(3):
        records.create_customer(app, app.system_actor, customer_payload(
            grade="A", demand_tags=["price", "quality"], cumulative_amount="1234.5" if n else None))
    data = export(app, fmt="csv", lang=lang)
    assert data.startswith(BOM) and b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    header, *body = read_csv(data)
    assert header[0] == labels[0]  # the customer code first
    assert [h for h in header if h in labels] == labels
    assert "Customer name" not in header if lang == "zh" else "客户名称" not in header
    assert [row[0] for row in body] == listed_codes(app)  # the same rows, in the list's order
    rows = as_dicts([header, *body])
    assert {r[labels[4]] for r in rows} == {grade}  # choices as their labels
    assert {r["核心需求" if lang == "zh" else "Core demands"] for r in rows} == {demands}
    assert {(r[labels[2]], r[labels[3]]) for r in rows} == {("张伟", "13812345678")}
    assert sorted(r[labels[5]] for r in rows) == ["", "1234.50", "1234.50"]  # plain digits


def test_export_walks_every_page(kehu_app, monkeypatch):
    """Pages of PAGE_SIZE are read until the end: keyset sorts by cursor, other sorts by offset."""
    app = kehu_app
    monkeypatch.setattr(exporting, "PAGE_SIZE", 2)
    for n in range(5):
        records.create_customer(app, app.system_actor, customer_payload(
            grade="ABC"[n % 3], cumulative_amount=str(100 * (n % 2))))
    for sort in ("-id", "name", "grade,-cumulative_amount"):
        codes = [row[0] for row in read_csv(export(app, sort=sort))[1:]]
        assert codes == listed_codes(app, sort=sort), sort
        assert len(codes) == 5


def test_fields_choose_the_columns_and_refusals_write_nothing(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload(grade="C"))
    rows = read_csv(export(app, fields=["grade", "primary_contact.email", "code", "name"]))
    assert rows == [["客户编号", "客户等级", "主要联系人邮箱", "客户名称"],
                    [c.code, "C类（潜力待挖掘）", c.contacts[0].email, c.name]]
    for options in ({"fields": ["grade", "nope"]}, {"sort": "nope"}):
        out = io.BytesIO()
        with pytest.raises(ValidationFailed) as caught:
            export_customers(app, app.system_actor, fmt="xlsx", out=out, **options)
        assert caught.value.errors[0].rule in ("unknown_field", "unknown_sort")
        assert out.getvalue() == b""


# --- formula injection (OWASP) and numbers ---------------------------------------------------


FORMULAS = ['=HYPERLINK("http://x")', "+86 21 5080 1234", "-1", "@SUM(A1)"]
# Values the service would never store (it trims blanks), but a plugin's own tables may hold.
RAW = {"\t=1+1": "'\t=1+1", "\r=1+1": "'\r=1+1", "\0=cmd()": "'=cmd()", "a\0b\0": "ab", "ok": "ok"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_values_are_neutralised(make_kehu, fmt):
    raw_values: dict[int, str] = {}

    def register_fields():
        return [FieldDef("raw_note", FieldType.TEXT, "原始备注", "Raw note", "interactions",
                         storage=Storage.PLUGIN, plugin="raw")]

    def customer_data(customer_ids):
        return {cid: {"raw_note": raw_values[cid]} for cid in customer_ids if cid in raw_values}

    app = make_kehu(enable=["raw"], extra_plugins=[make_plugin("raw", register_fields=register_fields,
                                                          customer_data=customer_data)])
    customfields.add_field(app, app.system_actor, {
        "key": "remark", "label_zh": "备注", "label_en": "Remark", "type": "text", "category": "basic"})
    customfields.add_field(app, app.system_actor, {  # an admin's label is text like any other
        "key": "sneaky", "label_zh": "=1+1", "label_en": "-1", "type": "text", "category": "basic"})
    expected = {}  # code -> (remark, street, raw note, amount); None: not checked
    for value in FORMULAS:
        c = records.create_customer(app, app.system_actor, customer_payload(
            remark=value, street=value, cumulative_amount="98765.43"))
        expected[c.code] = ("'" + value, "'" + value, None, "98765.43" if fmt == "csv" else 98765.43)
    for value, shown in RAW.items():
        c = records.create_customer(app, app.system_actor, customer_payload(remark="普通备注"))
        raw_values[c.id] = value
        expected[c.code] = ("普通备注", None, shown, None)
    error_like = records.create_customer(app, app.system_actor, customer_payload(remark="#DIV/0!"))
    expected[error_like.code] = ("#DIV/0!", None, None, None)  # text, not Excel's error value
    tabbed = records.create_customer(app, app.system_actor, customer_payload(remark="x"))
    with app.db.write() as s:  # as an old import might have stored it, past today's trimming
        s.execute(update(Customer).where(Customer.id == tabbed.id).values(street="\t-2+3"))
    expected[tabbed.code] = ("x", "'\t-2+3", None, None)

    def seen(value):  # XML turns a bare CR into a line feed; the apostrophe is what counts
        return value.replace("\r", "\n") if fmt == "xlsx" and isinstance(value, str) else value

    rows = as_dicts(read(export(app, fmt=fmt), fmt))
    assert {r["客户编号"] for r in rows} == set(expected)
    assert "'=1+1" in rows[0] and "=1+1" not in rows[0]
    for row in rows:
        want = expected[row["客户编号"]]
        got = (row["备注"], row["街道门牌号"], row["原始备注"], row["累计金额（元）"])
        checked = [(seen(g), seen(w)) for g, w in zip(got, want, strict=True) if w is not None]
        assert [g for g, _ in checked] == [w for _, w in checked], row["客户编号"]
    if fmt == "xlsx":  # nothing is a formula; amounts and dates are real numbers / dates
        cells = read_xlsx(export(app, fmt="xlsx"))
        header = [c.value for c in cells[0]]
        assert all(c.data_type != "f" for row in cells for c in row)
        assert {row[header.index("备注")].data_type for row in cells[1:]} == {"s"}
        amounts = [row[header.index("累计金额（元）")] for row in cells[1:]]
        assert {(c.value, c.data_type) for c in amounts if c.value is not None} == {(98765.43, "n")}
        assert all(isinstance(row[header.index("录入日期")].value, datetime) for row in cells[1:])


def test_neutralise():
    assert exporting.neutralise("=1+1") == "'=1+1"
    assert exporting.neutralise("-") == "'-"
    assert exporting.neutralise("a=1") == "a=1"
    assert exporting.neutralise("\0@x") == "'@x"
    assert exporting.neutralise("\x01=x") == "\x01=x"  # CSV keeps other controls, starts with \x01
    assert exporting.neutralise("\x01=x", xlsx=True) == "'=x"  # XLSX cannot hold them at all


# --- the same rows as the list: conditions, D5, permission scope, masking ----------------------


def test_conditions_filter_the_export_like_the_list(kehu_app):
    """D2: industry = 零售业 AND grade = A AND last contact ≥ 2024-01-01."""
    app = kehu_app
    match = customer_payload(industry="F52", grade="A", last_contact_date="2024-03-01")
    wanted = {records.create_customer(app, app.system_actor, match).code}
    wanted.add(records.create_customer(app, app.system_actor, customer_payload(
        industry="F52", grade="A", last_contact_date="2024-01-01")).code)
    for near_miss in ({"industry": "I65"}, {"grade": "B"}, {"last_contact_date": "2023-12-31"},
                      {"status": "dormant"}):  # D5: dormant customers are left out by default
        records.create_customer(app, app.system_actor, customer_payload(**{
            "industry": "F52", "grade": "A", "last_contact_date": "2024-06-01", **near_miss}))
    params = {"industry": "F52", "grade": "A", "last_contact_date__gte": "2024-01-01"}
    codes = [row[0] for row in read_csv(export(app, params=params))[1:]]
    assert set(codes) == wanted and codes == listed_codes(app, params=params)
    hidden_too = [row[0] for row in read_csv(export(app, params=params, include_hidden=True))[1:]]
    assert len(hidden_too) == 3 and hidden_too == listed_codes(app, params=params, include_hidden=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_permission_scope_and_field_access_are_obeyed(make_kehu, fmt):
    def customer_scope(actor, action):
        return None if actor.username == "system" else Customer.grade == "A"

    def field_access(actor):
        if actor.username == "system":
            return {}
        return {"credit_code": Access.MASKED, "street": Access.HIDDEN, "cumulative_amount": Access.MASKED,
                "contacts.mobile": Access.MASKED, "contacts.email": Access.HIDDEN}

    app = make_kehu(enable=["guard"], extra_plugins=[make_plugin(
        "guard", customer_scope=customer_scope, field_access=field_access)])
    a = records.create_customer(app, app.system_actor, customer_payload(grade="A", cumulative_amount="5000"))
    records.create_customer(app, app.system_actor, customer_payload(grade="B"))
    viewer = add_user(app, "viewer")

    header, *body = read(export(app, viewer, fmt=fmt), fmt)
    assert "街道门牌号" not in header and "主要联系人邮箱" not in header
    [row] = as_dicts([header, *body])  # the grade B customer is out of scope
    assert row["客户编号"] == a.code
    assert row["统一社会信用代码"] == mask(a.credit_code) != a.credit_code
    assert row["主要联系人手机"] == "138****5678"
    assert row["累计金额（元）"] == mask("5000.00")  # masked: text, whatever the type
    everything = as_dicts(read(export(app, fmt=fmt), fmt))
    assert len(everything) == 2 and a.credit_code in {r["统一社会信用代码"] for r in everything}


def test_a_plugin_can_refuse_exports(make_kehu, monkeypatch):
    def permission_allowed(actor, action):
        return False if (actor.username == "viewer" and action == "export") else None

    extra = [make_plugin("no_export", permission_allowed=permission_allowed)]
    app = make_kehu(enable=["no_export"], extra_plugins=extra)

    class KehuWithPlugin(Kehu):  # what the CLI builds: with the throwaway plugin "installed"
        def __init__(self, settings, **kwargs):
            super().__init__(settings, extra_plugins=extra, **kwargs)

    monkeypatch.setattr("kehu.app.Kehu", KehuWithPlugin)
    records.create_customer(app, app.system_actor, customer_payload())
    viewer = add_user(app, "viewer")
    out = io.BytesIO()
    with pytest.raises(Forbidden):
        export_customers(app, viewer, fmt="csv", out=out)
    assert out.getvalue() == b""
    with pytest.raises(Forbidden):
        export_customers(app, viewer, fmt="xlsx", out=out)
    with app.db.read() as s:  # listing stays allowed: only the export is refused
        assert len(list_customers(app, s, viewer).items) == 1
    with TestClient(app=create_web_app(app)) as client:
        response = client.get("/api/customers/export", headers={**api_headers(app, "viewer"), "Accept-Language": "en"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert response.json()["error"]["message"] == "You are not allowed to do this"
        assert client.get("/api/customers/export", headers=api_headers(app, "tester")).status_code == 200
    result = run_cli(app, "export", "--user", "viewer", "--output", str(app.settings.data_dir / "x.csv"))
    assert result.exit_code == 2 and "您无权执行此操作" in result.output
    assert not (app.settings.data_dir / "x.csv").exists()


# --- the API ---------------------------------------------------------------------------------


def test_api_export_download(kehu_app):
    app = kehu_app
    for grade in "AAB":
        records.create_customer(app, app.system_actor, customer_payload(grade=grade))
    with TestClient(app=create_web_app(app)) as client:
        client.headers.update(api_headers(app, "tester"))
        listed = [c["code"] for c in client.get("/api/customers", params={"grade": "A"}).json()["items"]]
        response = client.get("/api/customers/export", params={"grade": "A"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        stamp = f"{today():%Y%m%d}"
        assert response.headers["content-disposition"] == f'attachment; filename="customers-{stamp}.csv"'
        assert response.headers["content-length"] == str(len(response.content))
        assert response.headers["x-kehu-rows"] == "2"
        header, *body = read_csv(response.content)
        assert header[0] == "客户编号" and [row[0] for row in body] == listed and len(listed) == 2

        response = client.get("/api/customers/export", params={"format": "xlsx", "grade": "A", "lang": "en",
                                                                "fields": "name,grade"})
        assert response.status_code == 200
        assert response.headers["content-type"] == exporting.MEDIA_TYPES["xlsx"]
        assert response.headers["content-disposition"] == f'attachment; filename="customers-{stamp}.xlsx"'
        rows = read(response.content, "xlsx")
        assert rows[0] == ["Customer code", "Customer name", "Value grade"]
        assert [r[0] for r in rows[1:]] == listed and {r[2] for r in rows[1:]} == {"A (high value)"}

        # The same conditions, the same errors as the list.
        bad = {"grade": "Z", "last_contact_date__gte": "2024-13-01", "nope": "1"}
        refused = client.get("/api/customers/export", params=bad, headers={"Accept-Language": "en"})
        assert refused.status_code == 422
        assert refused.json() == client.get("/api/customers", params=bad, headers={"Accept-Language": "en"}).json()
        assert {f["field"] for f in refused.json()["error"]["fields"]} == {"grade", "last_contact_date__gte", "nope"}
        assert client.get("/api/customers/export", params={"format": "pdf"}).status_code == 400
        assert "/api/customers/export" in client.get("/schema/openapi.json").json()["paths"]


# --- the CLI ---------------------------------------------------------------------------------


def run_cli(app, *args: str):
    options = ["--data-dir", str(app.settings.data_dir), "--database-url", app.settings.database_url]
    result = CliRunner().invoke(kehu_cli.cli, [*options, *args], prog_name="kehu")
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_cli_export(kehu_app, tmp_path: Path):
    app = kehu_app
    for grade in "AAB":
        records.create_customer(app, app.system_actor, customer_payload(grade=grade, industry="F52"))
    target = tmp_path / "华东A类.csv"
    result = run_cli(app, "export", "--output", str(target), "grade=A", "industry__in=F52,I65")
    assert result.exit_code == 0, result.output
    assert f"已导出 2 位客户到 {target}" in result.output
    codes = listed_codes(app, params={"grade": "A"})
    assert [row[0] for row in read_csv(target.read_bytes())[1:]] == codes

    target = tmp_path / "a.xlsx"  # the format follows the extension
    result = run_cli(app, "--lang", "en", "export", "-o", str(target), "grade=B")
    assert result.exit_code == 0 and f"Exported 1 customer(s) to {target}" in result.output
    rows = read(target.read_bytes(), "xlsx")
    assert rows[0][0] == "Customer code" and len(rows) == 2

    result = run_cli(app, "export", "--format", "csv", "--lang", "en", "--output", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(BOM) and len(read_csv(result.stdout_bytes)) == 4
    assert "Exported 3 customer(s)." in result.stderr

    target = tmp_path / "refused.csv"
    result = run_cli(app, "export", "--output", str(target), "grade=Z", "last_contact_date__gte=2024-13-01", "oops")
    assert result.exit_code == 2
    assert "客户等级只能从预设选项中选择" in result.output
    assert "最近联系日期应为 YYYY-MM-DD 格式的有效日期" in result.output
    assert "oops" in result.output
    assert not target.exists() and not list(tmp_path.glob(".refused*"))

    result = run_cli(app, "export", "--user", "nobody", "--output", str(target))
    assert result.exit_code == 2 and "nobody" in result.output and not target.exists()
