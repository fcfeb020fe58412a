"""The query layer: conditions from field definitions, AND-combined, sorted, paged, counted (D2, D3, D5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kehu import records
from kehu.errors import ValidationFailed
from kehu.query import count_customers, list_customers, parse_conditions
from kehu.testing import customer_payload
from kehu.timeutil import today


@pytest.fixture
def populated(kehu_app):
    """Nine customers with known industries, grades, contact dates, amounts and statuses."""
    app = kehu_app
    rows = [
        # name suffix, industry, grade, last contact (days ago), amount, status
        ("零售甲", "F52", "A", 10, "500000", "active"),
        ("零售乙", "F52", "A", 400, "80000", "active"),
        ("零售丙", "F52", "B", 20, None, "active"),
        ("批发丁", "F51", "A", 5, "1200000", "active"),
        ("软件戊", "I65", "C", None, None, "pending_review"),
        ("软件己", "I65", "A", 100, "30000", "dormant"),
        ("软件庚", "I65", "B", 95, "45000", "inactive"),
        ("制造辛", "C39", "A", 1, "9900000", "to_verify"),
        ("制造壬", "C39", "C", 200, "100", "active"),
    ]
    codes = {}
    for suffix, industry, grade, days, amount, status in rows:
        data = customer_payload(name=f"杭州{suffix}贸易有限公司", industry=industry, grade=grade, status=status,
                                cumulative_amount=amount,
                                last_contact_date=(today() - timedelta(days=days)).isoformat() if days is not None else None)
        codes[suffix] = records.create_customer(app, app.system_actor, data).code
    return app, codes


def names(page) -> set[str]:
    return {c.name.removeprefix("杭州").removesuffix("贸易有限公司") for c in page.items}


def query(app, params, **kwargs):
    with app.db.read() as s:
        return list_customers(app, s, app.system_actor, parse_conditions(app, params), **kwargs)


def test_combined_conditions_are_anded(populated):
    app, _ = populated
    since = (today() - timedelta(days=30)).isoformat()
    page = query(app, {"industry": "F52", "grade": "A", "last_contact_date__gte": since})
    assert names(page) == {"零售甲"}
    assert page.total == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"industry__in": "F51,F52"}, {"零售甲", "零售乙", "零售丙", "批发丁"}),
        ({"industry__startswith": "I"}, {"软件戊"}),  # dormant / inactive left out (D5)
        ({"grade__ne": "A"}, {"零售丙", "软件戊", "制造壬"}),
        ({"cumulative_amount__gte": "100000"}, {"零售甲", "批发丁", "制造辛"}),
        ({"cumulative_amount__lt": "50000", "cumulative_amount__empty": "false"}, {"制造壬"}),
        ({"cumulative_amount__empty": "true"}, {"零售丙", "软件戊"}),
        ({"last_contact_date__empty": "true"}, {"软件戊"}),
        ({"not_contacted_days__gte": "90"}, {"零售乙", "软件戊", "制造壬"}),
        ({"status": "dormant"}, {"软件己"}),
        ({"status__in": "dormant,inactive"}, {"软件己", "软件庚"}),
        ({"name__contains": "零售"}, {"零售甲", "零售乙", "零售丙"}),
        ({"q": "批发"}, {"批发丁"}),
        ({"grade": "A类（高价值）", "industry": "C39"}, {"制造辛"}),  # labels are accepted too
    ],
)
def test_conditions(populated, params, expected):
    app, _ = populated
    page = query(app, params)
    assert names(page) == expected
    assert page.total == len(expected)


def test_hidden_statuses_on_request(populated):
    app, _ = populated
    assert query(app, {"industry": "I65"}, include_hidden=True).total == 3


def test_keyword_finds_contact_and_code(populated):
    app, codes = populated
    assert names(query(app, {"q": codes["零售甲"]})) == {"零售甲"}
    assert query(app, {"q": "张伟"}).total == 7  # every visible customer has contact 张伟
    assert query(app, {"contact_mobile__startswith": "138"}).total == 7


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"colour": "red"}, "colour", "unknown_filter"),
        ({"grade__gte": "A"}, "grade__gte", "unknown_operator"),
        ({"grade": "Z"}, "grade", "invalid_choice"),
        ({"last_contact_date__gte": "2024/01/01"}, "last_contact_date__gte", "invalid_date"),
        ({"cumulative_amount__gte": "很多"}, "cumulative_amount__gte", "invalid_decimal"),
        ({"cumulative_amount__empty": "maybe"}, "cumulative_amount__empty", "invalid_boolean"),
    ],
)
def test_bad_conditions_are_field_errors(populated, params, field, rule):
    app, _ = populated
    with pytest.raises(ValidationFailed) as caught:
        parse_conditions(app, params)
    assert [(e.field, e.rule) for e in caught.value.errors] == [(field, rule)]


def test_sorting(populated):
    app, _ = populated
    page = query(app, {}, sort="-cumulative_amount")
    amounts = [c.cumulative_amount for c in page.items if c.cumulative_amount is not None]
    assert amounts == sorted(amounts, reverse=True)
    with pytest.raises(ValidationFailed):
        query(app, {}, sort="credit_codez")


@pytest.mark.parametrize("sort", ["-id", "name", "-entry_date,name", "code"])
def test_cursor_pages_walk_every_row_once(populated, sort):
    app, _ = populated
    seen, cursor = [], None
    while True:
        page = query(app, {}, sort=sort, limit=2, cursor=cursor, include_hidden=True)
        seen += [c.code for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    everything = query(app, {}, sort=sort, limit=100, include_hidden=True)
    assert seen == [c.code for c in everything.items]
    assert len(seen) == 9


def test_offset_pages_and_count(populated):
    app, _ = populated
    first = query(app, {}, sort="name", limit=3)
    second = query(app, {}, sort="name", limit=3, offset=3)
    assert not {c.code for c in first.items} & {c.code for c in second.items}
    with app.db.read() as s:
        assert count_customers(app, s, app.system_actor) == first.total == 7


def test_multi_select_field(kehu_app):
    app = kehu_app
    a = records.create_customer(app, app.system_actor, customer_payload(demand_tags=["price", "quality"]))
    b = records.create_customer(app, app.system_actor, customer_payload(demand_tags="quality，delivery"))
    c = records.create_customer(app, app.system_actor, customer_payload())
    cases = {
        "demand_tags__any": ("price,delivery", {a.code, b.code}),
        "demand_tags__all": ("quality,delivery", {b.code}),
        "demand_tags__none": ("price", {b.code, c.code}),
        "demand_tags__empty": ("true", {c.code}),
    }
    for key, (value, expected) in cases.items():
        assert {x.code for x in query(app, {key: value}).items} == expected, key


def test_bad_cursor(populated):
    app, _ = populated
    with pytest.raises(ValidationFailed):
        query(app, {}, cursor="not-a-cursor")
