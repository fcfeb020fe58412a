"""Edge values that once reached the database (or crashed): huge amounts, control characters,
booleans given for text, dates far outside any plausible range.  Run on SQLite and PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from kehu import customfields, records
from kehu.errors import ValidationFailed
from kehu.models import Customer
from kehu.testing import customer_payload
from kehu.validation import Invalid, normalize_text, parse_date


def rules(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.rule for e in exc.errors}


def refused(app, **overrides) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        records.create_customer(app, app.system_actor, customer_payload(**overrides))
    return rules(info.value)


def stored(app, code: str) -> Customer:
    with app.db.read() as session:
        return session.scalar(select(Customer).where(Customer.code == code))


# --- decimals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1e30", "1E+30", "10000000000000", "99999999999999.99", "99999999999999999.99",
                                 "1e999999999"])
def test_amounts_too_large_are_field_errors(kehu_app, raw):
    assert refused(kehu_app, cumulative_amount=raw) == {"cumulative_amount": "too_large"}


@pytest.mark.parametrize("raw", ["9999999999999.99", "1234567890123.45", "0.01", "9999999999999"])
def test_largest_amounts_are_stored_exactly(kehu_app, raw):
    app = kehu_app
    customer = records.create_customer(app, app.system_actor, customer_payload(cumulative_amount=raw))
    assert stored(app, customer.code).cumulative_amount == Decimal(raw)


def test_too_large_message_names_the_limit():
    from kehu.errors import FieldError

    message = FieldError("cumulative_amount", "too_large", {"max": "9999999999999.99"}).message("en", "Amount")
    assert message == "Amount cannot exceed 9999999999999.99"


# --- control characters -------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["ABC\x00有限公司", "上海\x07公司", "上海\u202e公司", "上海\x7f公司", "上海\ud800公司"])
def test_control_characters_are_refused(raw):
    with pytest.raises(Invalid) as info:
        normalize_text(raw)
    assert info.value.rule == "control_chars"
    with pytest.raises(Invalid):
        normalize_text(raw, multiline=True)


def test_invisible_paste_characters_are_still_stripped():
    assert normalize_text("\ufeff上海\u200b公司\u2060") == "上海公司"
    assert normalize_text("a\tb\nc") == "a b c"
    assert normalize_text("第一行\t甲\n第二行", multiline=True) == "第一行 甲\n第二行"
    assert normalize_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # emoji joiners are text


def test_control_characters_never_reach_the_database(kehu_app):
    app = kehu_app
    errors = refused(app, name="上海测试\x00信息科技有限公司", street="张江路\x01号",
                     contacts=[{"name": "张伟", "title": "经理\x00", "mobile": "13812345678",
                                "email": "zw@example.com"}])
    assert errors == {"name": "control_chars", "street": "control_chars", "contacts[0].title": "control_chars"}


def test_long_text_keeps_line_breaks_but_not_controls(kehu_app):
    app = kehu_app
    customfields.add_field(app, app.system_actor, {
        "key": "visit_notes", "type": "longtext", "label_zh": "拜访纪要", "label_en": "Visit notes",
        "category": "business"})
    assert refused(app, visit_notes="第一行\n第二\x00行") == {"visit_notes": "control_chars"}
    customer = records.create_customer(app, app.system_actor, customer_payload(visit_notes="第一行\n\t第二行"))
    assert stored(app, customer.code).custom["visit_notes"] == "第一行\n第二行"


# --- booleans and dates ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [True, False])
def test_booleans_are_not_text(kehu_app, raw):
    assert refused(kehu_app, street=raw) == {"street": "not_text"}


@pytest.mark.parametrize("raw", ["1899-12-31", "0202-05-01", "2101-01-01", "9999-12-31", "0001-01-01"])
def test_dates_outside_1900_2100_are_refused(kehu_app, raw):
    assert refused(kehu_app, first_cooperation_date=raw) == {"first_cooperation_date": "invalid_date"}


@pytest.mark.parametrize("raw", ["1900-01-01", "2100-12-31"])
def test_date_bounds_are_accepted(raw):
    assert parse_date(raw) == date.fromisoformat(raw)
    assert parse_date(date.fromisoformat(raw)) == date.fromisoformat(raw)


def test_date_objects_outside_the_range_are_refused():
    with pytest.raises(Invalid):
        parse_date(date(1800, 1, 1))
