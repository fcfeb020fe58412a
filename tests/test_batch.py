"""Creating many customers at once (kehu.batch): the rules, history and hooks of create_in, batched.

SPEC A1 (codes), A3/A4/A8 (entry rules), A10/G7 (history); the import issue's "batched, not row by row".
"""

from __future__ import annotations

import copy
from collections import Counter
from importlib import metadata
from typing import Any

import pytest
from sqlalchemy import event, func, select

from kehu import batch, records
from kehu.errors import FieldError, Forbidden, ValidationFailed
from kehu.models import ChangeLog, Contact, Customer, Department
from kehu.testing import customer_payload, make_plugin

TAGS_INSTALLED = any(ep.name == "tags" for ep in metadata.entry_points(group="kehu"))


def create_many(app, rows, reason=None) -> list[batch.RowResult]:
    with app.db.write() as session:
        return batch.create_many(app, session, app.system_actor, rows, reason=reason)


def create_in_errors(app, data) -> list[FieldError]:
    """What records.create_in refuses `data` with (in a transaction that is rolled back)."""
    with pytest.raises(ValidationFailed) as caught, app.db.write() as session:
        records.create_in(app, session, app.system_actor, copy.deepcopy(data))
    return caught.value.errors


def counts(app) -> tuple[int, int, int]:
    with app.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Customer, Contact, ChangeLog))


def dump(app) -> list[dict[str, Any]]:
    """Every customer as stored: columns, field values, contacts, history (times reduced to 'set or not')."""
    out = []
    with app.db.read() as s:
        customers = list(s.scalars(select(Customer).order_by(Customer.id)))
        plugin_data = records.plugin_values(app, s, [c.id for c in customers])
        for c in customers:
            columns = {k: v for k, v in vars(c).items() if not k.startswith("_") and k not in
                       ("contacts", "owner", "department", "created_at", "updated_at", "completion_due")}
            logs = s.scalars(select(ChangeLog).where(ChangeLog.customer_id == c.id).order_by(ChangeLog.id))
            out.append({
                **columns,
                "completion_due": c.completion_due is not None,
                "values": {k: records.plain(v) for k, v in records.field_values(app, c, plugin_data[c.id]).items()},
                "contacts": [records.plain_contact(k) for k in c.contacts],
                "history": [(g.action, g.field, g.old, g.new, g.reason, g.actor_id) for g in logs],
            })
    return out


def varied_rows() -> list[dict[str, Any]]:
    """Valid rows that differ in what they give and what they leave empty."""
    person = customer_payload(customer_type="individual", name="李娜", id_number="11010519491231002x",
                              grade="A", source="referral", owner="system")
    for key in ("credit_code", "street", "district"):
        person.pop(key)
    return [
        customer_payload(),
        customer_payload(street=None, owner="system", department="华东销售部", demand_tags="price，quality"),
        person,
        customer_payload(customer_type="institution", scale="20-99", status="active", confidentiality="confidential",
                         first_cooperation_date="2023-05-01", cumulative_amount="1,234.5",
                         contacts=[{"name": "王芳", "mobile": "13900001111"},
                                   {"name": "刘洋", "email": "ly@example.com", "is_primary": True}]),
        customer_payload(grade=""),
    ]


def add_department(app, name="华东销售部") -> None:
    with app.db.write() as s:
        s.add(Department(name=name))


def test_a_batch_stores_what_create_in_stores(make_kehu, other_database_settings):
    one_by_one, batched = make_kehu(), make_kehu(settings=other_database_settings)
    rows = varied_rows()
    for app in (one_by_one, batched):
        add_department(app)
    with one_by_one.db.write() as session:
        for data in copy.deepcopy(rows):
            records.create_in(one_by_one, session, one_by_one.system_actor, data, reason="导入")
    results = create_many(batched, copy.deepcopy(rows), reason="导入")
    assert [(r.index, r.errors) for r in results] == [(i, []) for i in range(len(rows))]
    expected, got = dump(one_by_one), dump(batched)
    assert got == expected  # every column, field value, contact (with ids) and history row
    assert [r.customer.code for r in results] == [c["code"] for c in got]
    numbers = [int(c["code"][-3:]) for c in got]
    assert numbers == list(range(numbers[0], numbers[0] + len(rows)))
    assert [c["completion_due"] for c in got] == [True, True, False, True, True]
    assert got[3]["contacts"][1]["is_primary"] and not got[3]["contacts"][0]["is_primary"]
    # The returned rows are the stored ones, contacts included, usable without another query.
    assert [[k.id for k in r.customer.contacts] for r in results] == [[k["id"] for k in c["contacts"]] for c in got]


def test_invalid_rows_get_create_in_errors_and_valid_rows_are_written(kehu_app):
    app = kehu_app
    bad = [
        customer_payload(credit_code="91350100M000100Y44", street="待确认", grade="Z",
                         contacts=[{"name": "小王", "mobile": "1381234567"}]),
        customer_payload(customer_type="individual"),  # no ID number
        customer_payload(contacts=[{"name": "张伟", "mobile": "13812345678"}]),
        customer_payload(nonsense="x", code="CUS1"),
    ]
    good = [customer_payload(), customer_payload()]
    rows = [good[0], *bad, good[1]]
    expected = [create_in_errors(app, data) for data in bad]
    results = create_many(app, rows)
    assert [r.errors for r in results[1:5]] == expected
    assert {e.rule for e in expected[0]} >= {"uscc_checksum", "vague", "invalid_choice", "mobile"}
    assert [r.customer is None for r in results] == [False, True, True, True, True, False]
    assert counts(app) == (2, 2, 2)
    with app.db.read() as s:
        assert list(s.scalars(select(Customer.name).order_by(Customer.id))) == [g["name"] for g in good]


def test_duplicates_within_the_batch_and_against_the_database(kehu_app):
    app = kehu_app
    existing = records.create_customer(app, app.system_actor, customer_payload())
    first = customer_payload()
    refused_first = customer_payload(grade="Z")  # keeps nothing: a later row may use its credit code
    rows = [
        first,
        customer_payload(credit_code=first["credit_code"].lower()),
        customer_payload(credit_code=existing.credit_code),
        refused_first,
        customer_payload(credit_code=refused_first["credit_code"]),
    ]
    expected_db = create_in_errors(app, rows[2])
    results = create_many(app, rows)
    assert results[1].errors == [FieldError("credit_code", "duplicate", {
        "value": first["credit_code"], "code": results[0].customer.code, "row": 0})]
    assert "已被客户 " + results[0].customer.code in results[1].errors[0].message("zh")
    assert results[2].errors == expected_db == [
        FieldError("credit_code", "duplicate", {"value": existing.credit_code, "code": existing.code})]
    assert [e.rule for e in results[3].errors] == ["invalid_choice"]
    assert results[4].errors == [] and results[4].customer.credit_code == refused_first["credit_code"]
    assert counts(app)[0] == 3


def test_duplicate_id_numbers_within_the_batch(kehu_app):
    app = kehu_app

    def person(id_number):
        data = customer_payload(customer_type="individual", name="李娜", id_number=id_number)
        data.pop("credit_code")
        return data

    results = create_many(app, [person("11010519491231002X"), person("11010519491231002x")])
    assert results[0].errors == []
    assert [(e.field, e.rule, e.params["code"]) for e in results[1].errors] == [
        ("id_number", "duplicate", results[0].customer.code)]


def test_unknown_owner_and_department(kehu_app):
    app = kehu_app
    add_department(app)
    rows = [customer_payload(owner="nobody", department="不存在部"),
            customer_payload(owner="system", department="华东销售部"),
            customer_payload(owner="nobody")]
    with app.db.write() as session:
        results = batch.create_many(app, session, app.system_actor, rows)
        assert results[1].customer.owner.username == "system"
        assert results[1].customer.department.name == "华东销售部"
    assert results[0].errors == create_in_errors(app, rows[0]) == [
        FieldError("owner", "unknown_user", {"value": "nobody"}),
        FieldError("department", "unknown_department", {"value": "不存在部"})]
    assert [e.rule for e in results[2].errors] == ["unknown_user"]
    assert counts(app)[0] == 1


@pytest.mark.skipif(not TAGS_INSTALLED, reason="kehu-tags is not installed")
def test_a_plugin_field_gets_its_links_and_history(make_kehu):
    app = make_kehu(enable=["tags"])
    rows = [customer_payload(tags=["区域-华东", "状态-意向强烈"]),
            customer_payload(tags="区域-华东"),
            customer_payload(tags=["重要"]),  # no dimension: refused by the plugin
            customer_payload()]
    expected = create_in_errors(app, rows[2])
    results = create_many(app, rows)
    assert results[2].errors == expected and expected and all(e.field == "tags" for e in expected)
    created = [r.customer for r in results if r.customer]
    with app.db.read() as s:
        tags = records.plugin_values(app, s, [c.id for c in created])
        news = {log.customer_id: log.new for log in s.scalars(select(ChangeLog).where(ChangeLog.action == "create"))}
    assert [tags[c.id].get("tags") for c in created] == [["区域-华东", "状态-意向强烈"], ["区域-华东"], None]
    assert [news[c.id].get("tags") for c in created] == [["区域-华东", "状态-意向强烈"], ["区域-华东"], None]


def test_customers_saved_is_called_once_per_batch(make_kehu):
    calls: list[list[tuple[str, str, dict, dict]]] = []

    def customers_saved(saved):
        calls.append([(s.action, s.customer.code, s.changes, s.values) for s in saved])

    def customer_validate(values):
        return [FieldError("name", "vague")] if "拒绝" in values.get("name", "") else []

    app = make_kehu(enable=["counter"], extra_plugins=[make_plugin(
        "counter", customers_saved=customers_saved, customer_validate=customer_validate)])
    rows = [customer_payload(), customer_payload(name="拒绝有限公司"), customer_payload()]
    results = create_many(app, rows)
    assert [e.rule for e in results[1].errors] == ["vague"]
    assert len(calls) == 1
    assert [(action, code) for action, code, _, _ in calls[0]] == [("create", results[0].customer.code),
                                                                     ("create", results[2].customer.code)]
    changes = calls[0][0][2]
    assert changes["name"] == (None, rows[0]["name"]) and changes["contacts"][1][0]["name"] == "张伟"
    # the same shape as create_in's
    single = records.create_customer(app, app.system_actor, customer_payload())
    assert len(calls) == 2 and set(calls[1][0][2]) == set(changes) and calls[1][0][3] == calls[0][0][3] == {}
    assert single.code > results[2].customer.code
    # nothing valid: nothing written, no call, no code used
    before = counts(app)
    create_many(app, [customer_payload(grade="Z")])
    create_many(app, [])
    assert len(calls) == 2 and counts(app) == before
    nxt = records.create_customer(app, app.system_actor, customer_payload())
    assert int(nxt.code[-3:]) == int(single.code[-3:]) + 1


def test_a_refused_actor_writes_nothing(make_kehu):
    def permission_allowed(actor, action):
        return False if action == "create" else None

    app = make_kehu(enable=["guard"], extra_plugins=[make_plugin("guard", permission_allowed=permission_allowed)])
    with pytest.raises(Forbidden):
        create_many(app, [customer_payload()])
    assert counts(app) == (0, 0, 0)


def test_an_import_can_be_all_or_nothing(kehu_app):
    app = kehu_app
    with pytest.raises(ValidationFailed), app.db.write() as session:
        results = batch.create_many(app, session, app.system_actor, [customer_payload(), customer_payload(grade="Z")])
        refused = [r for r in results if r.errors]
        if refused:
            raise ValidationFailed(refused[0].errors)
    assert counts(app) == (0, 0, 0)


def test_statements_per_batch_are_bounded(kehu_app):
    app = kehu_app
    add_department(app)
    rows = []
    for i in range(200):
        data = customer_payload(owner="system" if i % 3 else None, department="华东销售部" if i % 4 else None,
                                street=None if i % 5 == 0 else f"张江路{i}号")
        if i % 7 == 0:
            data["contacts"].append({"name": "李娜", "mobile": "13900000000"})
        rows.append(data)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()[:3]).upper())

    event.listen(app.db.engine, "before_cursor_execute", count)
    try:
        results = create_many(app, rows)
    finally:
        event.remove(app.db.engine, "before_cursor_execute", count)
    assert not any(r.errors for r in results)
    per_kind = Counter(statements)
    assert per_kind["INSERT INTO CUSTOMER"] <= 2, per_kind
    assert per_kind["INSERT INTO CONTACT"] <= 2 and per_kind["INSERT INTO CHANGE_LOG"] <= 2, per_kind
    assert len(statements) <= 15, per_kind
    assert counts(app) == (200, 200 + len(range(0, 200, 7)), 200)
