"""Tagging customers through core's service layer: create, update, history, reading (SPEC B1, A10)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from kehu import records
from kehu.errors import ValidationFailed
from kehu.models import ChangeLog, Customer
from kehu.query import list_customers
from kehu.views import customer_views
from kehu_tags.models import CustomerTag, Tag
from tags_helpers import create, entries, tags_of, update, version

HUADONG, STRONG, LONG = "区域-华东", "状态-意向强烈", "合作-长期合作"


def test_tags_given_on_create_are_stored_canonical_and_logged(app):
    customer = create(app, tags=[STRONG, "区域－华东", " 区域 - 华东 "])
    assert tags_of(app, customer.code) == sorted([HUADONG, STRONG])
    [entry] = entries(app, customer.code)
    assert entry.action == "create"
    assert entry.new["tags"] == sorted([HUADONG, STRONG])  # what was stored, not what was typed
    with app.db.read() as s:
        tags = {t.name: t for t in s.scalars(select(Tag))}
        assert set(tags) == {HUADONG, STRONG}
        assert tags[HUADONG].dimension == "区域"
        assert tags[HUADONG].created_by_id == app.system_actor.id
        link = s.scalar(select(CustomerTag).where(CustomerTag.tag_id == tags[HUADONG].id))
        assert link.customer_id == customer.id and link.tagged_by_id == app.system_actor.id


def test_update_changes_tags_with_old_and_new_lists_in_history(app):
    customer = create(app, tags=[HUADONG, STRONG])
    with app.db.read() as s:
        kept_since = s.scalar(select(CustomerTag.tagged_at).join(Tag).where(Tag.name == HUADONG))
    update(app, customer.code, {"tags": [HUADONG, LONG], "grade": "A"})
    assert tags_of(app, customer.code) == sorted([HUADONG, LONG])
    rows = {e.field: e for e in entries(app, customer.code, "update")}
    assert rows["tags"].old == sorted([HUADONG, STRONG])
    assert rows["tags"].new == sorted([HUADONG, LONG])
    assert rows["grade"].new == "A"
    with app.db.read() as s:
        # a kept link keeps when it was made; the dropped tag stays in the vocabulary
        assert s.scalar(select(CustomerTag.tagged_at).join(Tag).where(Tag.name == HUADONG)) == kept_since
        assert s.scalar(select(func.count()).select_from(Tag).where(Tag.name == STRONG)) == 1


def test_same_tags_in_another_form_are_no_change(app):
    customer = create(app, tags=[HUADONG, STRONG])
    before = version(app, customer.code)
    update(app, customer.code, {"tags": [STRONG, "区域—华东", STRONG]})
    assert version(app, customer.code) == before
    assert entries(app, customer.code, "update") == []


def test_clearing_tags(app):
    customer = create(app, tags=[HUADONG])
    update(app, customer.code, {"tags": []})
    assert tags_of(app, customer.code) is None
    [entry] = entries(app, customer.code, "update")
    assert (entry.old, entry.new) == ([HUADONG], None)
    with app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(CustomerTag)) == 0


def test_bad_tag_names_refuse_the_whole_save(app):
    customer = create(app, tags=[HUADONG])
    with pytest.raises(ValidationFailed) as caught:
        update(app, customer.code, {"tags": [LONG, "客户-重要", "华东"], "grade": "A"})
    assert [(e.field, e.rule) for e in caught.value.errors] == [("tags", "tags_vague"), ("tags", "tags_format")]
    assert caught.value.errors[0].params["name"] == "客户-重要"
    assert tags_of(app, customer.code) == [HUADONG]
    with app.db.read() as s:
        assert set(s.scalars(select(Tag.name))) == {HUADONG}  # nothing created
        assert s.scalar(select(Customer.grade).where(Customer.id == customer.id)) == "B"


def test_bad_tags_on_create_write_nothing(app):
    with pytest.raises(ValidationFailed) as caught:
        create(app, tags=["重要"])
    assert {(e.field, e.rule) for e in caught.value.errors} == {("tags", "tags_format")}
    with app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
        assert s.scalar(select(func.count()).select_from(Tag)) == 0


def test_core_vague_placeholder_in_the_list_is_refused(app):
    with pytest.raises(ValidationFailed) as caught:
        create(app, tags=["待确认"])
    assert caught.value.errors[0].field == "tags"


def test_tags_are_read_for_a_whole_page_in_one_query(app):
    for i in range(12):
        create(app, tags=[HUADONG, f"批次-第{i}批"])
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(app.db.engine, "before_cursor_execute", seen)
    try:
        with app.db.read() as s:
            page = list_customers(app, s, app.system_actor)
            rows = customer_views(app, s, app.system_actor, page.items)
    finally:
        event.remove(app.db.engine, "before_cursor_execute", seen)
    assert len(rows) == 12
    assert all(HUADONG in row["tags"] for row in rows)
    assert sum("customer_tag" in s for s in statements) == 1


def test_a_batch_of_saves_in_one_transaction(app):
    """`customers_saved` is a batch hook: several customers written together get their links."""
    from kehu.testing import customer_payload

    with app.db.write() as session:
        first = records.create_in(app, session, app.system_actor, {**customer_payload(), "tags": [HUADONG]})
        second = records.create_in(app, session, app.system_actor, {**customer_payload(), "tags": [HUADONG, LONG]})
    assert tags_of(app, first.code) == [HUADONG]
    assert tags_of(app, second.code) == sorted([HUADONG, LONG])
    with app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Tag).where(Tag.name == HUADONG)) == 1
        assert s.scalar(select(func.count()).select_from(ChangeLog)) == 2


def test_field_is_described_like_any_other(app):
    f = app.fields["tags"]
    assert (f.plugin, f.category, str(f.storage), str(f.type)) == ("tags", "preferences", "plugin", "list")
    assert f.filterable and f.listed and f.searchable
    assert (f.label("zh"), f.label("en")) == ("标签", "Tags")
    assert app.filters["tags"].plugin == "tags"  # the plugin's filter, not one core derived


def test_people_typing_the_same_new_tag_at_once_share_one_tag(app):
    """Concurrent saves creating the same tag: an insert that skips a name created meanwhile."""
    import threading

    from kehu.testing import customer_payload

    payloads = [{**customer_payload(), "tags": ["批次-同时新建"]} for _ in range(4)]
    errors: list[BaseException] = []

    def save(data):
        try:
            records.create_customer(app, app.system_actor, data)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Tag)) == 1
        assert s.scalar(select(func.count()).select_from(CustomerTag)) == 4
