"""The plugin is optional (SPEC H2): its own tables and branch; disabled or gone, core still works."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kehu import migrate, records
from kehu.errors import ValidationFailed
from kehu.models import Base
from kehu.query import parse_conditions
from kehu_tags import register_manifest
from kehu_tags.models import Tag, metadata
from tags_helpers import codes, create, tags_of, update, view

EAST = "区域-华东"


def test_tables_are_the_plugins_own_and_match_its_migration(app):
    assert not {"tag", "customer_tag", "tag_alias"} & set(Base.metadata.tables)
    assert set(metadata.tables) == {"tag", "customer_tag", "tag_alias"}
    assert migrate.check(app.db, [register_manifest()], [metadata]) == []
    assert {"core_0002", "tags_0001"} <= migrate.heads(app.db)


def test_the_branch_depends_on_core():
    script = migrate.script_directory([register_manifest()])
    revision = script.get_revision("tags@head")
    assert revision.revision == "tags_0001"
    assert revision.branch_labels == {"tags"}
    assert revision.down_revision is None
    assert revision._resolved_dependencies == ("core_0001",)


def test_disabling_keeps_the_data_and_core_keeps_working(make_kehu):
    app = make_kehu(enable=["tags"])
    tagged = create(app, tags=[EAST], grade="A")
    app.set_plugin_enabled("tags", False)

    core = make_kehu()
    assert "tags" not in core.fields and "tags" not in core.filters
    assert not any(r.plugin == "tags" for r in core.plugins.enabled)
    plain = create(core, grade="A")
    assert codes(core, grade="A") == {tagged.code, plain.code}
    assert "tags" not in view(core, tagged.code)
    update(core, tagged.code, {"grade": "B"})  # saving a tagged customer leaves its tags alone
    with pytest.raises(ValidationFailed) as caught:
        parse_conditions(core, {"tags__any": EAST})
    assert caught.value.errors[0].rule == "unknown_filter"
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(core, core.system_actor, {"tags": [EAST]})
    assert ("tags", "unknown_field") in {(e.field, e.rule) for e in caught.value.errors}

    core.set_plugin_enabled("tags", True)
    again = make_kehu()
    assert tags_of(again, tagged.code) == [EAST]
    assert tags_of(again, plain.code) is None
    assert codes(again, tags__any=EAST) == {tagged.code}


def test_an_uninstalled_plugin_left_enabled_is_skipped(make_kehu, monkeypatch):
    app = make_kehu(enable=["tags"])
    tagged = create(app, tags=[EAST])
    monkeypatch.setattr("kehu.app.discover", lambda extra=(): {})  # as if kehu-tags were uninstalled
    core = make_kehu()
    assert core.plugins.order == [] and "tags" not in core.fields
    assert codes(core) == {tagged.code}
    with core.db.read() as s:
        assert s.scalar(select(Tag.name)) == EAST  # its data waits in its tables


def test_core_never_imports_the_plugin():
    import pathlib
    import re

    import kehu

    core = pathlib.Path(kehu.__file__).parent
    importing = re.compile(r"^\s*(from|import)\s+kehu_tags\b", re.MULTILINE)
    assert [p for p in core.rglob("*.py") if importing.search(p.read_text(encoding="utf-8"))] == []


def test_links_go_with_a_really_deleted_customer_row(app):
    """A PIPL erasure deletes the customer row; core knows nothing of tags, the database cascades."""
    from sqlalchemy import delete, func

    from kehu.models import ChangeLog, Contact, Customer
    from kehu_tags.models import CustomerTag

    erased = create(app, tags=[EAST])
    kept = create(app, tags=[EAST])
    with app.db.write() as s:
        for model in (ChangeLog, Contact):
            s.execute(delete(model).where(model.customer_id == erased.id))
        s.execute(delete(Customer).where(Customer.id == erased.id))
    with app.db.read() as s:
        assert list(s.scalars(select(CustomerTag.customer_id))) == [kept.id]
        assert s.scalar(select(func.count()).select_from(Tag)) == 1
