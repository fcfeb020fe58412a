"""Users and departments as admins maintain them (kehu.directory; issue 3, SPEC G1, G9).

Each test runs on SQLite and on PostgreSQL (the `kehu_app` / `make_kehu` fixtures).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kehu import directory, records
from kehu.accounts import authenticate
from kehu.errors import Forbidden, NotFound, ValidationFailed
from kehu.models import Department, User
from kehu.testing import customer_payload, make_plugin

PASSWORD = "correct horse battery"


def refused(call, *args) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        call(*args)
    return {e.field: e.rule for e in info.value.errors}


def department(app, name: str, parent: int | None = None) -> int:
    return directory.create_department(app, app.system_actor, {"name": name, "parent_id": parent})


def user(app, username: str = "zhang.wei", **data) -> int:
    return directory.create_user(app, app.system_actor, {"username": username, "display_name": "张伟", **data})


def stored_user(app, user_id: int) -> User:
    with app.db.read() as session:
        return session.get(User, user_id)


# --- users -----------------------------------------------------------------------------------


def test_a_user_is_created_in_a_department_and_can_sign_in(kehu_app):
    app = kehu_app
    sales = department(app, "华东销售部")
    user_id = user(app, department_id=str(sales), password=PASSWORD)
    row = stored_user(app, user_id)
    assert (row.username, row.display_name, row.department_id, row.is_active) == ("zhang.wei", "张伟", sales, True)
    assert authenticate(app.db, "zhang.wei", PASSWORD) is not None


def test_without_a_password_the_user_exists_but_cannot_sign_in(kehu_app):
    user_id = user(kehu_app)
    assert stored_user(kehu_app, user_id).password_hash is None
    assert authenticate(kehu_app.db, "zhang.wei", "") is None


def test_every_problem_is_reported_at_once_and_nothing_is_written(kehu_app):
    app = kehu_app
    before = len(directory.list_users(app, app.system_actor))
    errors = refused(directory.create_user, app, app.system_actor,
                     {"username": "张 伟", "display_name": "", "department_id": "999", "password": "short"})
    assert errors == {"username": "account_username_format", "display_name": "required",
                      "department_id": "department_gone", "password": "account_password_short"}
    assert len(directory.list_users(app, app.system_actor)) == before


def test_a_taken_username_is_refused(kehu_app):
    user(kehu_app)
    assert refused(user, kehu_app, "zhang.wei") == {"username": "account_username_taken"}


def test_a_bad_password_writes_no_user(kehu_app):
    errors = refused(directory.create_user, kehu_app, kehu_app.system_actor,
                     {"username": "li.na", "display_name": "李娜", "password": "li.na-1234567"})
    assert errors == {"password": "account_password_username"}
    with kehu_app.db.read() as session:
        assert session.scalar(select(User).where(User.username == "li.na")) is None


def test_update_changes_name_and_department_not_username(kehu_app):
    app = kehu_app
    user_id = user(app)
    support = department(app, "客服部")
    directory.update_user(app, app.system_actor, user_id,
                          {"username": "other", "display_name": "张伟（客服）", "department_id": support})
    row = stored_user(app, user_id)
    # Text is normalised as everywhere in kehu: full-width brackets become half-width.
    assert (row.username, row.display_name, row.department_id) == ("zhang.wei", "张伟(客服)", support)
    directory.update_user(app, app.system_actor, user_id, {"display_name": "张伟", "department_id": ""})
    assert stored_user(app, user_id).department_id is None


def test_deactivate_and_reactivate_never_delete(kehu_app):
    app = kehu_app
    user_id = user(app, password=PASSWORD)
    directory.set_user_active(app, app.system_actor, user_id, False)
    assert stored_user(app, user_id).is_active is False
    assert authenticate(app.db, "zhang.wei", PASSWORD) is None
    directory.set_user_active(app, app.system_actor, user_id, True)
    assert authenticate(app.db, "zhang.wei", PASSWORD) is not None


def test_nobody_deactivates_themselves_or_the_system_user(kehu_app):
    app = kehu_app
    from kehu.actors import Actor

    user_id = user(app)
    me = Actor.of(stored_user(app, user_id))
    assert refused(directory.set_user_active, app, me, user_id, False) == {"": "user_self"}
    system_id = app.system_actor.id
    assert refused(directory.set_user_active, app, app.system_actor, system_id, False) == {"": "user_system"}
    assert refused(directory.update_user, app, app.system_actor, system_id, {"display_name": "x"}) == {
        "": "user_system"}
    with pytest.raises(NotFound):
        directory.update_user(app, app.system_actor, 99999, {"display_name": "x"})


def test_an_admin_sets_a_new_password(kehu_app):
    app = kehu_app
    user_id = user(app, password=PASSWORD)
    assert refused(directory.set_user_password, app, app.system_actor, user_id, "short") == {
        "password": "account_password_short"}
    directory.set_user_password(app, app.system_actor, user_id, "another good secret")
    assert authenticate(app.db, "zhang.wei", "another good secret") is not None
    assert authenticate(app.db, "zhang.wei", PASSWORD) is None


# --- departments -----------------------------------------------------------------------------


def test_departments_nest_and_are_listed_as_a_tree(kehu_app):
    app = kehu_app
    sales = department(app, "销售部")
    east = department(app, "华东区", sales)
    department(app, "上海组", east)
    department(app, "财务部")
    user(app, department_id=east)
    tree = directory.department_tree(app, app.system_actor)
    assert [(n.name, n.depth, n.users, n.children) for n in tree] == [
        ("财务部", 0, 0, 0), ("销售部", 0, 0, 1), ("华东区", 1, 1, 1), ("上海组", 2, 0, 0)]


def test_department_names_are_required_and_unique(kehu_app):
    app = kehu_app
    department(app, "销售部")
    assert refused(department, app, " 销售部 ") == {"name": "department_name_taken"}
    assert refused(department, app, "  ") == {"name": "required"}
    assert refused(department, app, "x" * 101) == {"name": "too_long"}
    assert refused(department, app, "新部门", 4242) == {"parent_id": "department_gone"}


def test_a_department_moves_but_never_under_itself(kehu_app):
    app = kehu_app
    sales = department(app, "销售部")
    east = department(app, "华东区", sales)
    shanghai = department(app, "上海组", east)
    for parent in (sales, shanghai):
        assert refused(directory.update_department, app, app.system_actor, sales,
                       {"name": "销售部", "parent_id": parent}) == {"parent_id": "department_cycle"}
    directory.update_department(app, app.system_actor, shanghai, {"name": "上海销售组", "parent_id": sales})
    with app.db.read() as session:
        moved = session.get(Department, shanghai)
    assert (moved.name, moved.parent_id) == ("上海销售组", sales)


def test_only_an_empty_department_is_deleted(kehu_app):
    app = kehu_app
    sales = department(app, "销售部")
    east = department(app, "华东区", sales)
    user_id = user(app, department_id=east)
    for target in (sales, east):
        assert refused(directory.delete_department, app, app.system_actor, target) == {"": "department_in_use"}
    directory.update_user(app, app.system_actor, user_id, {"display_name": "张伟", "department_id": ""})
    assert directory.delete_department(app, app.system_actor, east) == "华东区"
    records.create_customer(app, app.system_actor, customer_payload(department="销售部"))
    with pytest.raises(ValidationFailed) as info:
        directory.delete_department(app, app.system_actor, sales)
    assert info.value.errors[0].params == {"name": "销售部", "users": 0, "children": 0, "customers": 1}
    assert "1 customer(s)" in info.value.errors[0].message("en")


# --- permissions -----------------------------------------------------------------------------


def test_every_call_checks_configure_permission(make_kehu):
    deny = make_plugin("deny", permission_allowed=lambda action: False if action == "configure" else None)
    app = make_kehu(enable=["deny"], extra_plugins=[deny])
    actor = app.system_actor
    calls = [
        (directory.list_users, ()), (directory.create_user, ({"username": "ab", "display_name": "x"},)),
        (directory.update_user, (1, {})), (directory.set_user_active, (1, False)),
        (directory.set_user_password, (1, PASSWORD)), (directory.department_tree, ()),
        (directory.create_department, ({"name": "x"},)), (directory.update_department, (1, {})),
        (directory.delete_department, (1,)),
    ]
    for call, args in calls:
        with pytest.raises(Forbidden):
            call(app, actor, *args)
    with app.db.read() as session:
        assert session.scalar(select(Department)) is None
