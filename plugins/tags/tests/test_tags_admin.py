"""Reviewing the vocabulary: rename, merge, delete, usage counts (SPEC B2: nothing classified is lost)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kehu import records
from kehu.errors import NotFound, ValidationFailed
from kehu.hookspecs import hookimpl
from kehu.plugins import Manifest
from kehu_tags import service
from kehu_tags.models import CustomerTag, Tag, TagAlias
from tags_helpers import codes, create, entries, tags_of, update, version

EAST, STRONG, STRONG2, LONG = "区域-华东", "状态-意向强烈", "状态-强意向", "合作-长期合作"


def tag_id(app, name: str) -> int:
    with app.db.read() as s:
        return s.scalar(select(Tag.id).where(Tag.name == name))


def usage(app) -> dict[str, int]:
    return {t["name"]: t["usage"] for t in service.list_tags(app, app.system_actor)}


class Spy:
    """A throwaway plugin recording what `customers_saved` receives."""

    def __init__(self):
        self.saved = []

    @hookimpl
    def register_manifest(self):
        return Manifest(name="spy", label_zh="记录", label_en="Spy")

    @hookimpl
    def customers_saved(self, saved):
        self.saved += [(item.action, item.customer.code, item.changes) for item in saved]


def test_rename_keeps_every_link_and_writes_history(app):
    one = create(app, tags=[EAST, LONG])
    two = create(app, tags=[EAST])
    other = create(app, tags=[LONG])
    versions = {c.code: version(app, c.code) for c in (one, two)}
    view = service.rename_tag(app, app.system_actor, tag_id(app, EAST), "地区－华东", reason="统一维度名")
    assert view["name"] == "地区-华东" and view["dimension"] == "地区" and view["aliases"] == [EAST]
    assert tags_of(app, one.code) == sorted(["地区-华东", LONG])
    assert tags_of(app, two.code) == ["地区-华东"]
    [entry] = entries(app, one.code, "tag_rename")
    assert (entry.field, entry.old, entry.new, entry.reason) == ("tags", sorted([EAST, LONG]),
                                                                sorted(["地区-华东", LONG]), "统一维度名")
    assert entries(app, other.code, "tag_rename") == []
    # Admin relabelling does not make open edit forms fail (see kehu_tags.service).
    assert {c.code: version(app, c.code) for c in (one, two)} == versions


def test_a_stale_form_or_saved_filter_naming_the_old_name_finds_the_renamed_tag(app):
    one = create(app, tags=[EAST])
    service.rename_tag(app, app.system_actor, tag_id(app, EAST), "地区-华东")
    assert codes(app, tags__any=EAST) == {one.code}
    update(app, one.code, {"tags": [EAST]})  # the form still shows the old name
    assert tags_of(app, one.code) == ["地区-华东"]
    assert entries(app, one.code, "update") == []  # nothing changed
    with app.db.read() as s:
        assert set(s.scalars(select(Tag.name))) == {"地区-华东"}  # the old tag was not recreated


def test_rename_refusals(app):
    one = create(app, tags=[EAST, LONG])
    with pytest.raises(ValidationFailed) as caught:
        service.rename_tag(app, app.system_actor, tag_id(app, EAST), LONG)
    assert [(e.field, e.rule) for e in caught.value.errors] == [("name", "tags_exists")]
    with pytest.raises(ValidationFailed) as caught:
        service.rename_tag(app, app.system_actor, tag_id(app, EAST), "区域-其他")
    assert caught.value.errors[0].rule == "tags_vague"
    with pytest.raises(NotFound):
        service.rename_tag(app, app.system_actor, 999_999, "区域-华南")
    assert tags_of(app, one.code) == sorted([EAST, LONG])


def test_rename_back_and_forth(app):
    one = create(app, tags=[EAST])
    tid = tag_id(app, EAST)
    service.rename_tag(app, app.system_actor, tid, "地区-华东")
    view = service.rename_tag(app, app.system_actor, tid, EAST)
    assert view["name"] == EAST and view["aliases"] == ["地区-华东"]
    assert tags_of(app, one.code) == [EAST]
    assert len(entries(app, one.code, "tag_rename")) == 2


def test_merge_moves_links_collapses_duplicates_and_keeps_the_classification(make_kehu):
    spy = Spy()
    app = make_kehu(enable=["tags", "spy"], extra_plugins=[spy])
    both = create(app, tags=[STRONG, STRONG2, EAST])
    only_old = create(app, tags=[STRONG])
    only_new = create(app, tags=[STRONG2])
    service.update_tag(app, app.system_actor, tag_id(app, STRONG), {"description": "客户明确表示要采购"})
    source, target = tag_id(app, STRONG), tag_id(app, STRONG2)
    spy.saved.clear()
    result = service.merge_tags(app, app.system_actor, source, target, reason="同义标签")
    assert result["merged"] == STRONG and result["customers"] == 2
    assert result["into"]["usage"] == 3 and result["into"]["aliases"] == [STRONG]
    assert result["into"]["description"] == "客户明确表示要采购"  # kept: the target had none
    assert tags_of(app, both.code) == sorted([STRONG2, EAST])
    assert tags_of(app, only_old.code) == [STRONG2]
    assert tags_of(app, only_new.code) == [STRONG2]
    with app.db.read() as s:
        assert s.get(Tag, source) is None
        assert s.scalar(select(func.count()).select_from(CustomerTag).where(CustomerTag.tag_id == target)) == 3
    [entry] = entries(app, both.code, "tag_merge")
    assert entry.old == sorted([STRONG, STRONG2, EAST])
    assert (entry.new, entry.reason) == (sorted([STRONG2, EAST]), "同义标签")
    [entry] = entries(app, only_old.code, "tag_merge")
    assert (entry.old, entry.new) == ([STRONG], [STRONG2])
    assert entries(app, only_new.code, "tag_merge") == []
    # what the merged tag classified is still found by its name
    assert codes(app, tags__any=STRONG) == {both.code, only_old.code, only_new.code}
    # other plugins heard about it (a search index would reindex these customers)
    heard = sorted((action, code) for action, code, _ in spy.saved)
    assert heard == sorted([("tag_merge", both.code), ("tag_merge", only_old.code)])
    assert all(set(changes) == {"tags"} for _, _, changes in spy.saved)


def test_merging_a_tag_that_has_former_names_carries_them_over(app):
    one = create(app, tags=[EAST])
    create(app, tags=["地区-江浙沪"])
    service.rename_tag(app, app.system_actor, tag_id(app, EAST), "区域-华东地区")
    service.merge_tags(app, app.system_actor, tag_id(app, "区域-华东地区"), tag_id(app, "地区-江浙沪"))
    with app.db.read() as s:
        assert set(s.scalars(select(TagAlias.name))) == {EAST, "区域-华东地区"}
    assert codes(app, tags__any=EAST) == codes(app, tags__any="地区-江浙沪")
    assert one.code in codes(app, tags__any=EAST)


def test_merge_refusals(app):
    create(app, tags=[STRONG, STRONG2])
    with pytest.raises(ValidationFailed) as caught:
        service.merge_tags(app, app.system_actor, tag_id(app, STRONG), tag_id(app, STRONG))
    assert [(e.field, e.rule) for e in caught.value.errors] == [("into", "tags_merge_self")]
    with pytest.raises(ValidationFailed) as caught:
        service.merge_tags(app, app.system_actor, tag_id(app, STRONG), 999_999)
    assert [(e.field, e.rule) for e in caught.value.errors] == [("into", "tags_unknown")]
    with pytest.raises(NotFound):
        service.merge_tags(app, app.system_actor, 999_999, tag_id(app, STRONG))
    assert sorted(usage(app)) == sorted([STRONG, STRONG2])


def test_delete_removes_links_and_keeps_a_trace_in_history(app):
    one = create(app, tags=[EAST, LONG])
    two = create(app, tags=[LONG])
    result = service.delete_tag(app, app.system_actor, tag_id(app, LONG), reason="不再使用")
    assert result == {"id": result["id"], "name": LONG, "deleted": True, "customers": 2}
    assert tags_of(app, one.code) == [EAST]
    assert tags_of(app, two.code) is None
    [entry] = entries(app, one.code, "tag_delete")
    assert (entry.field, entry.old, entry.new, entry.reason) == ("tags", sorted([EAST, LONG]), [EAST], "不再使用")
    [entry] = entries(app, two.code, "tag_delete")
    assert (entry.old, entry.new) == ([LONG], None)
    assert codes(app, tags__any=LONG) == set()
    assert sorted(usage(app)) == [EAST]
    with pytest.raises(NotFound):
        service.delete_tag(app, app.system_actor, result["id"])


def test_usage_counts_leave_out_deleted_customers(app):
    kept = create(app, tags=[EAST, LONG])
    gone = create(app, tags=[EAST])
    dormant = create(app, tags=[EAST], status="dormant")  # hidden by default, still classified
    records.delete_customer(app, app.system_actor, gone.code, version=version(app, gone.code))
    assert usage(app) == {EAST: 2, LONG: 1}
    service.create_tag(app, app.system_actor, {"name": "区域-华南"})
    assert usage(app)["区域-华南"] == 0
    # the deleted customer keeps its tags: restored, it counts again
    records.restore_customer(app, app.system_actor, gone.code)
    assert usage(app)[EAST] == 3
    assert kept and dormant


def test_list_groups_by_dimension_and_filters_one(app):
    create(app, tags=[EAST, STRONG, STRONG2])
    views = service.list_tags(app, app.system_actor)
    assert [v["dimension"] for v in views] == sorted(v["dimension"] for v in views)
    assert {v["name"] for v in service.list_tags(app, app.system_actor, dimension="状态")} == {STRONG, STRONG2}
    [east] = [v for v in views if v["name"] == EAST]
    assert (east["dimension"], east["value"], east["usage"], east["created_by"]) == ("区域", "华东", 1, "system")


def test_create_tag_rules(app):
    view = service.create_tag(app, app.system_actor, {"name": " 区域－华南 ", "description": "广东、广西、海南"})
    assert (view["name"], view["usage"], view["description"]) == ("区域-华南", 0, "广东、广西、海南")
    with pytest.raises(ValidationFailed) as caught:
        service.create_tag(app, app.system_actor, {"name": "区域-华南"})
    assert caught.value.errors[0].rule == "tags_exists"
    with pytest.raises(ValidationFailed) as caught:
        service.create_tag(app, app.system_actor, {"name": "重要"})
    assert caught.value.errors[0].rule == "tags_format"
    with pytest.raises(ValidationFailed) as caught:
        service.create_tag(app, app.system_actor, {"name": "区域-华北", "description": "长" * 501})
    assert caught.value.errors[0].rule == "too_long"


def test_permission_plugins_decide_who_manages_tags(make_kehu):
    from kehu.errors import Forbidden

    class ReadOnlyTags:
        @hookimpl
        def register_manifest(self):
            return Manifest(name="locked", label_zh="锁定", label_en="Locked")

        @hookimpl
        def permission_allowed(self, action, resource):
            return False if resource == "tag" and action != "read" else None

    app = make_kehu(enable=["tags", "locked"], extra_plugins=[ReadOnlyTags()])
    with pytest.raises(Forbidden):
        service.create_tag(app, app.system_actor, {"name": EAST})
    # a new name on a customer would create a tag: refused too
    with pytest.raises(ValidationFailed) as caught:
        create(app, tags=[EAST])
    assert [(e.rule, e.params) for e in caught.value.errors] == [("tags_not_allowed", {"name": EAST})]
    assert service.list_tags(app, app.system_actor) == []


def test_descriptions_are_checked_like_any_text(app):
    with pytest.raises(ValidationFailed) as caught:
        service.create_tag(app, app.system_actor, {"name": "区域-华北", "description": "北方\x00客户"})
    assert [(e.field, e.rule) for e in caught.value.errors] == [("description", "control_chars")]
    created = service.create_tag(app, app.system_actor, {"name": "区域-华北", "description": "北方客户\n重点跟进"})
    assert created["description"] == "北方客户\n重点跟进"


def test_opposite_merges_at_once_never_deadlock(app):
    """A→B and B→A together: one merges, the other is told the tag is gone (locks in id order)."""
    import threading

    for round_ in range(4):
        a = service.create_tag(app, app.system_actor, {"name": f"区域-甲{round_}"})["id"]
        b = service.create_tag(app, app.system_actor, {"name": f"区域-乙{round_}"})["id"]
        create(app, tags=[f"区域-甲{round_}", f"区域-乙{round_}"])
        barrier, outcomes = threading.Barrier(2), []

        def merge(source, target):
            barrier.wait()
            try:
                service.merge_tags(app, app.system_actor, source, target)
                outcomes.append("merged")
            except (ValidationFailed, NotFound):
                outcomes.append("refused")
            except Exception as exc:  # a deadlock or any database error is the failure
                outcomes.append(repr(exc))

        threads = [threading.Thread(target=merge, args=pair) for pair in ((a, b), (b, a))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(outcomes) == ["merged", "refused"]
