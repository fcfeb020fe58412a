"""The plugin is optional (SPEC H2): without it kehu is a single-team system again; with tags it guards them."""

from __future__ import annotations

import pytest

from kehu.errors import Forbidden
from kehu_permissions import service
from perms_helpers import DEFAULT_LIST, build_org, listed


def test_disabling_returns_to_single_team_mode_and_keeps_the_roles(app, make_kehu):
    org = build_org(app)
    with pytest.raises(Forbidden):
        listed(org, "nobody")
    app.set_plugin_enabled("permissions", False)
    org.app = make_kehu()
    assert listed(org, "nobody") == DEFAULT_LIST  # everybody may do everything
    org.app.set_plugin_enabled("permissions", True)
    org.app = make_kehu()
    assert listed(org, "sales1") == {"own1", "own1_secret", "person"}  # the assignments waited
    assert len(service.list_roles(org.app, org.app.system_actor)) == 5


def test_tags_are_guarded_by_the_tag_rules(make_kehu):
    from kehu_tags import service as tags

    app = make_kehu(enable=["tags", "permissions"])
    org = build_org(app)
    tags.create_tag(app, app.system_actor, {"name": "区域-华东"})
    assert tags.list_tags(app, org.actor("mkt1"))  # marketing filters by tags (G1)
    with pytest.raises(Forbidden):
        tags.create_tag(app, org.actor("mkt1"), {"name": "区域-华北"})
    with pytest.raises(Forbidden):
        tags.merge_tags(app, org.actor("sales1"), 1, 1)
    assert listed(org, "mkt1", tags__any="区域-华东") == set()


def test_core_never_imports_the_plugin():
    import pathlib
    import re

    import kehu

    core = pathlib.Path(kehu.__file__).parent
    importing = re.compile(r"^\s*(from|import)\s+kehu_permissions\b", re.MULTILINE)
    assert [p for p in core.rglob("*.py") if importing.search(p.read_text(encoding="utf-8"))] == []


def test_the_demo_people_get_the_roles_their_demo_words_stand_for(app):
    """`kehu serve --demo` enables every installed plugin: its people get G1 roles, finance none."""
    from kehu import demo
    from kehu_permissions.explain import what_can

    demo.generate(app, 6, seed=1)
    demo.demo_account(app, create=True)
    roles = {a.username: a.role for a in service.list_assignments(app, app.system_actor)}
    assert roles["admin"] == roles["demo"] == "data_admin"
    assert (roles["liqiang"], roles["zhangwei"], roles["huangting"], roles["linfeng"]) == (
        "department_head", "sales", "support", "marketing")
    assert "xujing" not in roles  # finance has no role in G1
    assert what_can(app, "zhangwei").scopes["read"][0].scope == "own"
    demo.generate(app, 2, seed=2)  # a second run assigns nothing twice
    assert len(service.list_assignments(app, app.system_actor)) == len(roles)
