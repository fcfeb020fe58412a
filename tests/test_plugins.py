"""Plugins: manifests, dependency order, clear refusals, pending hooks, the hooks core fires (SPEC H1–H3)."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from kehu import records
from kehu.errors import FieldError, Forbidden, NotFound, PluginError, ValidationFailed
from kehu.fields import Access
from kehu.hookspecs import hookimpl
from kehu.models import ChangeLog, Customer
from kehu.query import list_customers
from kehu.testing import customer_payload, make_plugin
from kehu.views import customer_views


def test_missing_dependency_is_refused_clearly(make_kehu):
    app = make_kehu(extra_plugins=[make_plugin("child", depends=("parent",))])
    with pytest.raises(PluginError) as caught:
        app.set_plugin_enabled("child", True)
    assert caught.value.rule == "plugin_dependency_missing"
    assert caught.value.message("en") == 'Plugin "child" depends on "parent", which is not installed'
    assert caught.value.message("zh") == "插件“child”依赖“parent”，但后者未安装"


def test_dependency_installed_but_not_enabled(make_kehu):
    extra = [make_plugin("child", depends=("parent",)), make_plugin("parent")]
    app = make_kehu(extra_plugins=extra)
    with pytest.raises(PluginError, match="not enabled"):
        app.set_plugin_enabled("child", True)
    app.set_plugin_enabled("parent", True)
    app.set_plugin_enabled("child", True)
    assert app.plugins.order == ["parent", "child"]
    with pytest.raises(PluginError, match="needed by"):
        app.set_plugin_enabled("parent", False)


def test_cycle_is_refused(make_kehu):
    extra = [make_plugin("a", depends=("b",)), make_plugin("b", depends=("a",))]
    app = make_kehu(extra_plugins=extra)
    with pytest.raises(PluginError, match="in a cycle: (a → b → a|b → a → b)"):
        app.set_plugin_enabled("a", True)


def test_unknown_plugin(make_kehu):
    app = make_kehu()
    with pytest.raises(PluginError, match='No plugin named "nope"'):
        app.set_plugin_enabled("nope", True)


def test_misspelled_hook_fails_at_start(make_kehu):
    bad = make_plugin("typo")

    @hookimpl
    def customer_savd(saved):  # not a hook: must not be silently ignored
        return None

    bad.customer_savd = customer_savd
    with pytest.raises(PluginError, match="customer_savd"):
        make_kehu(enable=["typo"], extra_plugins=[bad])


def test_load_order_is_dependencies_first(make_kehu):
    extra = [make_plugin("z_base"), make_plugin("a_top", depends=("m_mid",)), make_plugin("m_mid", depends=("z_base",))]
    app = make_kehu(enable=["z_base", "m_mid", "a_top"], extra_plugins=extra)
    assert app.plugins.order == ["z_base", "m_mid", "a_top"]


def test_saved_hook_runs_inside_the_transaction(make_kehu):
    seen = []

    def customers_saved(session, saved):
        seen.extend((s.action, s.customer.code) for s in saved)
        # Inside the transaction: the change-log row is visible to this session.
        assert session.scalar(select(func.count()).select_from(ChangeLog).where(
            ChangeLog.customer_id == saved[0].customer.id)) >= 1

    app = make_kehu(enable=["watcher"], extra_plugins=[make_plugin("watcher", customers_saved=customers_saved)])
    c = records.create_customer(app, app.system_actor, customer_payload())
    records.update_customer(app, app.system_actor, c.code, {"grade": "A"}, version=1)
    assert seen == [("create", c.code), ("update", c.code)]


def test_saved_hook_failure_rolls_everything_back(make_kehu):
    def customers_saved(saved):
        raise RuntimeError("downstream refused")

    app = make_kehu(enable=["breaker"], extra_plugins=[make_plugin("breaker", customers_saved=customers_saved)])
    with pytest.raises(RuntimeError):
        records.create_customer(app, app.system_actor, customer_payload())
    with app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
        assert s.scalar(select(func.count()).select_from(ChangeLog)) == 0


def test_validate_hook_refuses_with_field_errors(make_kehu):
    def customer_validate(values, is_new):
        if values.get("grade") == "C" and is_new:
            return [FieldError("grade", "invalid_choice", {"choices": "A、B"})]
        return []

    app = make_kehu(enable=["strict"], extra_plugins=[make_plugin("strict", customer_validate=customer_validate)])
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, app.system_actor, customer_payload(grade="C"))
    assert [(e.field, e.rule) for e in caught.value.errors] == [("grade", "invalid_choice")]


def test_scope_permission_and_field_access_hooks(make_kehu):
    """What a permissions plugin will use: which rows, may-do, and masked / hidden fields."""

    def customer_scope(actor, action):
        return None if actor.username == "system" else Customer.grade == "A"

    def permission_allowed(actor, action, resource):
        return False if (actor.username != "system" and action == "delete") else None

    def field_access(actor):
        return {} if actor.username == "system" else {"credit_code": Access.MASKED, "street": Access.HIDDEN}

    app = make_kehu(enable=["guard"], extra_plugins=[make_plugin(
        "guard", customer_scope=customer_scope, permission_allowed=permission_allowed, field_access=field_access)])
    a = records.create_customer(app, app.system_actor, customer_payload(grade="A"))
    b = records.create_customer(app, app.system_actor, customer_payload(grade="B"))
    from kehu.actors import Actor

    viewer = Actor(id=None, username="viewer", display_name="访客")
    with app.db.read() as s:
        page = list_customers(app, s, viewer)
        assert [c.code for c in page.items] == [a.code] and page.total == 1
        with pytest.raises(NotFound):
            records.load_customer(app, s, viewer, b.code)
        [row] = customer_views(app, s, viewer, page.items)
    assert "street" not in row
    assert row["credit_code"] == a.credit_code[:3] + "*" * 11 + a.credit_code[-4:]
    with pytest.raises(Forbidden):
        records.delete_customer(app, viewer, a.code)
    with pytest.raises(NotFound):  # outside the scope: 404, exactly like a missing record
        records.update_customer(app, viewer, b.code, {"grade": "C"}, version=1)


def test_plugin_field_in_custom_storage(make_kehu):
    from kehu.fields import FieldDef, FieldType, Storage

    def register_fields():
        return [FieldDef("wechat_group", FieldType.TEXT, "微信群", "WeChat group", "contact",
                         storage=Storage.CUSTOM, filterable=True, plugin="wechat")]

    app = make_kehu(enable=["wechat"], extra_plugins=[make_plugin("wechat", register_fields=register_fields)])
    c = records.create_customer(app, app.system_actor, customer_payload(wechat_group="华东客户群"))
    assert c.custom == {"wechat_group": "华东客户群"}
    assert "wechat_group" in app.filters


def test_startup_sees_the_built_app(make_kehu):
    seen = {}

    def startup(app):
        seen["fields"] = "tags_probe" in app.fields
        seen["order"] = list(app.plugins.order)

    def register_fields():
        from kehu.fields import FieldDef, FieldType, Storage

        return [FieldDef("tags_probe", FieldType.TEXT, "探针", "Probe", "basic", storage=Storage.CUSTOM)]

    make_kehu(enable=["probe"], extra_plugins=[make_plugin("probe", startup=startup, register_fields=register_fields)])
    assert seen == {"fields": True, "order": ["probe"]}


def test_may_do_checks_cover_lists_and_reads(make_kehu):
    """D5: hidden and deleted customers need more rights; reading one needs "read" on it."""

    def permission_allowed(actor, action, customer):
        if actor.username == "system":
            return None
        if action in ("list_hidden", "list_deleted"):
            return False
        if action == "read" and customer is not None and customer.grade == "C":
            return False
        return None

    app = make_kehu(enable=["d5"], extra_plugins=[make_plugin("d5", permission_allowed=permission_allowed)])
    from kehu.actors import Actor
    from kehu.query import count_customers

    c = records.create_customer(app, app.system_actor, customer_payload(grade="C"))
    viewer = Actor(id=None, username="viewer", display_name="访客")
    with app.db.read() as s:
        assert list_customers(app, s, viewer).total == 1
        for kwargs in ({"include_hidden": True}, {"deleted": True}):
            with pytest.raises(Forbidden):
                list_customers(app, s, viewer, **kwargs)
            with pytest.raises(Forbidden):
                count_customers(app, s, viewer, **kwargs)
        with pytest.raises(Forbidden):
            records.load_customer(app, s, viewer, c.code)
    with pytest.raises(Forbidden):
        records.history(app, viewer, c.code)
