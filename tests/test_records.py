"""The service layer: create, update, delete, restore, contacts — validation, history, versions.

SPEC A1 (codes), A3/A4/A8 (entry rules), A10/G7 (history), DESIGN (stale edits refused).
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from kehu import records
from kehu.errors import NotFound, StaleVersion, ValidationFailed
from kehu.models import ChangeLog, Contact, Customer
from kehu.testing import customer_payload


def counts(app) -> tuple[int, int, int]:
    with app.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Customer, Contact, ChangeLog))


def rules(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.rule for e in exc.errors}


def history(app, code):
    return records.history(app, app.system_actor, code)


def test_create_generates_code_and_logs(kehu_app):
    app = kehu_app
    customer = records.create_customer(app, app.system_actor, customer_payload(), reason="展会录入")
    assert re.fullmatch(r"CUS\d{8}\d{3}", customer.code)
    assert customer.status == "pending_review"
    assert customer.version == 1
    [entry] = history(app, customer.code)
    assert entry.action == "create"
    assert entry.reason == "展会录入"
    assert entry.actor.username == "system"
    assert entry.new["credit_code"] == customer.credit_code
    assert entry.new["contacts"][0]["name"] == "张伟"


def test_codes_follow_each_other_and_never_change(kehu_app):
    app = kehu_app
    first = records.create_customer(app, app.system_actor, customer_payload())
    second = records.create_customer(app, app.system_actor, customer_payload())
    assert int(second.code[-3:]) == int(first.code[-3:]) + 1
    with pytest.raises(ValidationFailed) as caught:
        records.update_customer(app, app.system_actor, first.code, {"code": "CUS1"}, version=1)
    assert rules(caught.value) == {"code": "readonly"}


def test_all_errors_at_once_and_nothing_written(kehu_app):
    app = kehu_app
    before = counts(app)
    bad = customer_payload(
        credit_code="91350100M000100Y44",  # wrong check character
        street="待确认",
        grade="Z",
        first_cooperation_date="2024/05/01",
        contacts=[{"name": "小王", "mobile": "1381234567"}],
    )
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, app.system_actor, bad)
    assert rules(caught.value) == {
        "credit_code": "uscc_checksum",
        "street": "vague",
        "grade": "invalid_choice",
        "first_cooperation_date": "invalid_date",
        "contacts[0].name": "real_name",
        "contacts[0].mobile": "mobile",
    }
    assert counts(app) == before


@pytest.mark.parametrize(
    ("customer_type", "missing"),
    [
        ("enterprise", "credit_code"),
        ("institution", "credit_code"),
        ("individual", "id_number"),
    ],
)
def test_required_fields_depend_on_type(kehu_app, customer_type, missing):
    app = kehu_app
    data = customer_payload(customer_type=customer_type)
    data.pop(missing, None)
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, app.system_actor, data)
    assert rules(caught.value)[missing] == "required"


def test_individual_with_valid_id_number(kehu_app):
    app = kehu_app
    data = customer_payload(customer_type="individual", name="李娜", id_number="11010519491231002x")
    data.pop("credit_code")
    customer = records.create_customer(app, app.system_actor, data)
    assert customer.id_number == "11010519491231002X"


def test_two_contact_methods_needed(kehu_app):
    app = kehu_app
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, app.system_actor, customer_payload(contacts=[{"name": "张伟", "mobile": "13812345678"}]))
    assert rules(caught.value) == {"contacts": "contact_methods"}
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, app.system_actor, customer_payload(contacts=[]))
    assert rules(caught.value) == {"contacts": "contacts_required"}


def test_duplicate_credit_code_names_the_other_customer(kehu_app):
    app = kehu_app
    first = records.create_customer(app, app.system_actor, customer_payload())
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, app.system_actor, customer_payload(credit_code=first.credit_code.lower()))
    [error] = caught.value.errors
    assert (error.field, error.rule, error.params["code"]) == ("credit_code", "duplicate", first.code)


def test_update_logs_each_changed_field(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload(grade="C"))
    updated = records.update_customer(
        app, app.system_actor, c.code,
        {"grade": "A", "cumulative_amount": "12,345.5", "street": c.street},  # street unchanged
        version=1, reason="年度复核",
    )
    assert updated.version == 2
    assert str(updated.cumulative_amount) == "12345.50"
    changes = {e.field: (e.old, e.new, e.reason) for e in history(app, c.code) if e.action == "update"}
    assert changes == {"grade": ("C", "A", "年度复核"), "cumulative_amount": (None, "12345.50", "年度复核")}


def test_noop_update_writes_nothing(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload(grade="B"))
    before = counts(app)
    again = records.update_customer(app, app.system_actor, c.code, {"grade": "B"}, version=1)
    assert again.version == 1
    assert counts(app) == before


def test_stale_update_is_refused(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload())
    records.update_customer(app, app.system_actor, c.code, {"grade": "A"}, version=1)
    before = counts(app)
    with pytest.raises(StaleVersion) as caught:
        records.update_customer(app, app.system_actor, c.code, {"grade": "C"}, version=1)
    assert caught.value.params["current"] == 2
    assert caught.value.params["by"] == "系统"
    assert caught.value.status == 409
    assert counts(app) == before
    with pytest.raises(ValidationFailed):
        records.update_customer(app, app.system_actor, c.code, {"grade": "C"}, version=None)


def test_concurrent_updates_one_wins(kehu_app):
    """Two writers start from the same version: exactly one change is saved, the other is told."""
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload(grade="B"))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def edit(grade):
        barrier.wait()
        try:
            records.update_customer(app, app.system_actor, c.code, {"grade": grade}, version=1)
            outcomes.append("saved")
        except StaleVersion:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(g,)) for g in ("A", "C")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale"]
    [entry] = [e for e in history(app, c.code) if e.action == "update"]
    with app.db.read() as s:
        assert s.scalar(select(Customer.grade).where(Customer.code == c.code)) == entry.new


def test_concurrent_creation_gets_unique_codes(kehu_app):
    app = kehu_app
    codes: list[str] = []
    errors: list[Exception] = []

    def create(n):
        try:
            for _ in range(n):
                codes.append(records.create_customer(app, app.system_actor, customer_payload()).code)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(5,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(codes) == len(set(codes)) == 20
    assert sorted(int(code[-3:]) for code in codes) == list(range(1, 21))


def test_rename_keeps_code_history_and_contacts(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload(name="上海旧名科技有限公司"))
    renamed = records.update_customer(app, app.system_actor, c.code, {"name": "上海新名科技有限公司"},
                                      version=1, reason="工商变更")
    assert renamed.code == c.code
    entries = history(app, c.code)
    assert [e.action for e in entries] == ["update", "create"]
    assert (entries[0].old, entries[0].new) == ("上海旧名科技有限公司", "上海新名科技有限公司")
    assert [ct.name for ct in renamed.contacts] == ["张伟"]


def test_delete_and_restore(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload())
    records.delete_customer(app, app.system_actor, c.code, reason="重复录入")
    with pytest.raises(NotFound):
        with app.db.read() as s:
            records.load_customer(app, s, app.system_actor, c.code)
    records.restore_customer(app, app.system_actor, c.code, reason="误删")
    assert [e.action for e in history(app, c.code)][:2] == ["restore", "delete"]


def test_contacts_add_update_remove(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload())
    added = records.add_contact(app, app.system_actor, c.code,
                                {"name": "王芳", "mobile": "13900001111", "is_primary": True}, version=1)
    with app.db.read() as s:
        customer = records.load_customer(app, s, app.system_actor, c.code)
        assert customer.version == 2
        assert [(ct.name, ct.is_primary) for ct in customer.contacts] == [("张伟", False), ("王芳", True)]
    records.update_contact(app, app.system_actor, c.code, added.id, {"email": "wf@example.com"}, version=2)
    first_id = c.contacts[0].id
    records.remove_contact(app, app.system_actor, c.code, first_id, version=3, reason="已离职")
    actions = [(e.action, e.field) for e in history(app, c.code)]
    assert actions[:3] == [
        ("contact_remove", f"contacts[{first_id}]"),
        ("contact_update", f"contacts[{added.id}].email"),
        ("contact_add", f"contacts[{added.id}]"),
    ]


def test_removing_a_needed_contact_is_refused(kehu_app):
    app = kehu_app
    c = records.create_customer(app, app.system_actor, customer_payload())
    before = counts(app)
    with pytest.raises(ValidationFailed) as caught:
        records.remove_contact(app, app.system_actor, c.code, c.contacts[0].id, version=1)
    assert rules(caught.value) == {"contacts": "contacts_required"}
    assert counts(app) == before


def test_missing_key_information_is_flagged(kehu_app):
    app = kehu_app
    data = customer_payload()
    data.pop("street")
    c = records.create_customer(app, app.system_actor, data)
    assert c.completion_due is not None
    assert (c.completion_due - c.created_at).total_seconds() == pytest.approx(24 * 3600, abs=5)
    done = records.update_customer(app, app.system_actor, c.code,
                                   {"street": "世纪大道1号", "scale": "100-499", "source": "exhibition",
                                    "owner": "system"}, version=1)
    assert done.completion_due is None


def test_key_information_depends_on_the_customer_type(kehu_app):
    """A person has no company size or street on file by default: not flagged; a company is."""
    app = kehu_app
    complete = {"grade": "B", "source": "referral", "owner": "system"}
    person = customer_payload(customer_type="individual", name="李娜", id_number="11010519491231002X", **complete)
    for key in ("credit_code", "street", "district"):
        person.pop(key)
    assert records.create_customer(app, app.system_actor, person).completion_due is None
    company = customer_payload(scale="20-99", **complete)
    company.pop("street")
    assert records.create_customer(app, app.system_actor, company).completion_due is not None
