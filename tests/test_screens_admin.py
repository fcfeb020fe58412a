"""Admin screens (issue 3; SPEC A7, H2, H4, H5): users, departments, plugins, custom fields.

Each test signs in through the real sign-in form, drives the screens as a browser would (forms,
the CSRF token, Post/Redirect/Get) and reads back what was really stored.  Every test runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from kehu import directory
from kehu.accounts import authenticate
from kehu.hookspecs import hookimpl
from kehu.models import CustomField, Department, User
from kehu.plugins import Manifest
from kehu.testing import TEST_PASSWORD, make_plugin, make_user, sign_in
from kehu.web import create_web_app

XSS = "<script>alert(1)</script>"


def text(html: str) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def inline_errors(html: str) -> dict[str, str]:
    """{form field: the error shown right below its input}."""
    return {name: unescape(msg) for name, msg in
            re.findall(r'<p class="field-error" id="f-([^"]+)-error">(.*?)</p>', html, re.S)}


def input_value(html: str, name: str) -> str | None:
    found = re.search(rf'<input [^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def flashes(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S)]


def signed_in(app, client: TestClient, username: str = "admin") -> TestClient:
    make_user(app, username, display_name="管理员")
    client.csrf = sign_in(client, username)
    return client


@pytest.fixture
def browser(kehu_app):
    with TestClient(create_web_app(kehu_app)) as client:
        yield signed_in(kehu_app, client)


def post(client: TestClient, url: str, data: dict | None = None):
    return client.post(url, data={"_csrf": client.csrf, **(data or {})}, follow_redirects=False)


def follow(client: TestClient, response) -> str:
    """Post/Redirect/Get: the POST answered 303; the page it leads to."""
    assert response.status_code == 303, response.text[:2000]
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    return page.text


def users_named(app, username: str) -> list[User]:
    with app.db.read() as session:
        return list(session.scalars(select(User).where(User.username == username)))


# --- every screen renders, in Chinese by default and in English on request ---------------------

SCREENS = [
    ("/admin/users", "新增用户", "Add a user"),
    ("/admin/users/new", "用于登录，以后不能修改", "Used to sign in; cannot be changed later"),
    ("/admin/departments", "新增部门", "Add a department"),
    ("/admin/departments/new", "上级部门", "Parent department"),
    ("/admin/plugins", "服务器重启后生效", "takes effect when the server restarts"),
    ("/admin/fields", "偏好标签", "Preference tags"),
    ("/admin/fields/new", "每行一个选项", "One option per line"),
]


@pytest.mark.parametrize("url,zh,en", SCREENS)
def test_each_screen_speaks_chinese_then_english(browser, url, zh, en):
    page = browser.get(url)
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert zh in text(page.text) and en not in text(page.text)
    page = browser.get(url, params={"lang": "en"})
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert en in text(page.text) and zh not in text(page.text)


def test_single_team_mode_is_stated(browser):
    assert "单团队模式" in text(browser.get("/admin/users").text)


def test_signed_out_visitors_are_sent_to_sign_in(kehu_app):
    with TestClient(create_web_app(kehu_app)) as client:
        response = client.get("/admin/fields", follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/signin")


# --- users -------------------------------------------------------------------------------------


def test_a_user_is_added_and_can_sign_in(kehu_app, browser):
    sales = directory.create_department(kehu_app, kehu_app.system_actor, {"name": "华东销售部"})
    page = follow(browser, post(browser, "/admin/users/new", {
        "username": "zhang.wei", "display_name": "张伟", "department_id": str(sales), "password": TEST_PASSWORD}))
    assert flashes(page) == ["已添加用户 zhang.wei"]
    assert "张伟" in text(page) and "华东销售部" in text(page)
    [user] = users_named(kehu_app, "zhang.wei")
    assert (user.display_name, user.department_id, user.is_active) == ("张伟", sales, True)
    assert authenticate(kehu_app.db, "zhang.wei", TEST_PASSWORD) is not None


def test_a_user_without_a_password_is_marked(kehu_app, browser):
    assert "尚未设置密码" not in text(browser.get("/admin/users").text)
    follow(browser, post(browser, "/admin/users/new", {"username": "li.na", "display_name": "李娜"}))
    assert "李娜 — 在用 尚未设置密码" in text(browser.get("/admin/users").text)


def test_bad_user_input_is_shown_next_to_each_field_kept_and_nothing_written(kehu_app, browser):
    response = post(browser, "/admin/users/new", {
        "username": "张 伟", "display_name": XSS, "department_id": "999", "password": "short"})
    assert response.status_code == 400
    errors = inline_errors(response.text)
    # Username and password rules are sign-in's (kehu.accounts); the department is checked here.
    assert set(errors) == {"username", "department_id", "password"}
    assert errors["department_id"] == "所选部门已不存在"
    assert "display_name" not in errors
    assert input_value(response.text, "username") == "张 伟"
    assert input_value(response.text, "display_name") == XSS
    assert input_value(response.text, "password") == ""  # never sent back
    assert XSS not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    with kehu_app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2  # system and admin


def test_user_errors_in_english(browser):
    response = post(browser, "/admin/users/new?lang=en", {"username": "", "display_name": ""})
    assert response.status_code == 400
    assert inline_errors(response.text)["display_name"] == "Display name is required"
    assert "Nothing was saved" in text(response.text)


def test_a_user_is_edited_deactivated_and_reactivated(kehu_app, browser):
    user_id = directory.create_user(kehu_app, kehu_app.system_actor,
                                    {"username": "li.na", "display_name": "李娜", "password": TEST_PASSWORD})
    support = directory.create_department(kehu_app, kehu_app.system_actor, {"name": "客服部"})
    edit = browser.get(f"/admin/users/{user_id}/edit")
    assert edit.status_code == 200 and input_value(edit.text, "display_name") == "李娜"
    page = follow(browser, post(browser, f"/admin/users/{user_id}/edit",
                                {"display_name": XSS, "department_id": str(support)}))
    assert XSS not in page and "&lt;script&gt;" in page
    [user] = users_named(kehu_app, "li.na")
    assert (user.display_name, user.department_id) == (XSS, support)

    page = follow(browser, post(browser, f"/admin/users/{user_id}/active", {"active": "0"}))
    assert "已停用用户 li.na" in flashes(page)[0]
    assert users_named(kehu_app, "li.na")[0].is_active is False
    assert authenticate(kehu_app.db, "li.na", TEST_PASSWORD) is None
    follow(browser, post(browser, f"/admin/users/{user_id}/active", {"active": "1"}))
    assert users_named(kehu_app, "li.na")[0].is_active is True


def test_a_bad_edit_keeps_the_input(kehu_app, browser):
    user_id = directory.create_user(kehu_app, kehu_app.system_actor, {"username": "li.na", "display_name": "李娜"})
    response = post(browser, f"/admin/users/{user_id}/edit", {"display_name": "李娜" * 60})
    assert response.status_code == 400
    assert inline_errors(response.text)["display_name"] == "显示名称最多 100 个字符"
    assert input_value(response.text, "display_name") == "李娜" * 60
    assert users_named(kehu_app, "li.na")[0].display_name == "李娜"


def test_admins_cannot_deactivate_themselves(kehu_app, browser):
    me = users_named(kehu_app, "admin")[0]
    own = browser.get(f"/admin/users/{me.id}/edit")
    assert 'name="active"' not in own.text and 'href="/account"' in own.text  # no button to lock oneself out
    page = follow(browser, post(browser, f"/admin/users/{me.id}/active", {"active": "0"}))
    assert flashes(page) == ["不能停用自己的账号"]
    assert users_named(kehu_app, "admin")[0].is_active is True


def test_an_admin_sets_a_password(kehu_app, browser):
    user_id = directory.create_user(kehu_app, kehu_app.system_actor, {"username": "li.na", "display_name": "李娜"})
    response = post(browser, f"/admin/users/{user_id}/password", {"password": "short"})
    assert response.status_code == 400 and "password" in inline_errors(response.text)
    follow(browser, post(browser, f"/admin/users/{user_id}/password", {"password": "a brand new secret"}))
    assert authenticate(kehu_app.db, "li.na", "a brand new secret") is not None


def test_the_system_user_has_no_edit_form(kehu_app, browser):
    page = browser.get(f"/admin/users/{kehu_app.system_actor.id}/edit")
    assert page.status_code == 200 and "系统用户供 kehu 自身使用" in text(page.text)
    assert 'name="display_name"' not in page.text
    assert browser.get("/admin/users/99999/edit").status_code == 404


# --- departments -------------------------------------------------------------------------------


def test_departments_are_added_nested_moved_and_deleted(kehu_app, browser):
    follow(browser, post(browser, "/admin/departments/new", {"name": "销售部"}))
    with kehu_app.db.read() as session:
        sales = session.scalar(select(Department.id).where(Department.name == "销售部"))
    page = follow(browser, post(browser, "/admin/departments/new", {"name": XSS, "parent_id": str(sales)}))
    assert XSS not in page and "└ &lt;script&gt;alert(1)&lt;/script&gt;" in page
    with kehu_app.db.read() as session:
        child = session.scalar(select(Department).where(Department.name == XSS))
    assert child.parent_id == sales

    # The edit form does not offer the department itself (nor its subtree) as a parent.
    edit = browser.get(f"/admin/departments/{sales}/edit")
    assert f'<option value="{child.id}"' not in edit.text and f'<option value="{sales}"' not in edit.text
    # ...and a crafted post is refused next to the field.
    response = post(browser, f"/admin/departments/{sales}/edit", {"name": "销售部", "parent_id": str(child.id)})
    assert response.status_code == 400
    assert inline_errors(response.text)["parent_id"] == "不能把部门移到它自己或它的下级部门之下"

    follow(browser, post(browser, f"/admin/departments/{child.id}/edit", {"name": "华东区", "parent_id": ""}))
    with kehu_app.db.read() as session:
        moved = session.get(Department, child.id)
    assert (moved.name, moved.parent_id) == ("华东区", None)
    page = follow(browser, post(browser, f"/admin/departments/{child.id}/delete"))
    assert flashes(page) == ["已删除部门 华东区"]


def test_a_department_with_users_is_not_deleted(kehu_app, browser):
    sales = directory.create_department(kehu_app, kehu_app.system_actor, {"name": "销售部"})
    directory.create_user(kehu_app, kehu_app.system_actor,
                          {"username": "li.na", "display_name": "李娜", "department_id": sales})
    page = follow(browser, post(browser, f"/admin/departments/{sales}/delete?lang=en"))
    assert flashes(page) == ['The department "销售部" still has 1 user(s), 0 sub-department(s) and 0 customer(s); '
                             "it can be deleted only when empty"]
    with kehu_app.db.read() as session:
        assert session.get(Department, sales) is not None


def test_duplicate_department_name_is_an_inline_error(kehu_app, browser):
    directory.create_department(kehu_app, kehu_app.system_actor, {"name": "销售部"})
    response = post(browser, "/admin/departments/new", {"name": "销售部"})
    assert response.status_code == 400
    assert inline_errors(response.text) == {"name": "已有名为“销售部”的部门"}
    assert input_value(response.text, "name") == "销售部"


# --- CSRF and permissions ----------------------------------------------------------------------


@pytest.mark.parametrize("url,data", [
    ("/admin/users/new", {"username": "li.na", "display_name": "李娜"}),
    ("/admin/departments/new", {"name": "销售部"}),
    ("/admin/fields/new", {"key": "card_no", "label_zh": "卡号", "label_en": "Card", "category": "basic"}),
    ("/admin/plugins/whatever/enable", {}),
])
def test_a_post_without_the_csrf_token_is_refused(kehu_app, browser, url, data):
    for token in (None, "forged"):
        sent = data if token is None else {**data, "_csrf": token}
        response = browser.post(url, data=sent, follow_redirects=False)
        assert response.status_code == 403, (url, token, response.status_code)
    with kehu_app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Department)) == 0
        assert session.scalar(select(func.count()).select_from(CustomField)) == 0
        assert not users_named(kehu_app, "li.na")


def only_admins_configure(actor, action, resource):
    return False if action == "configure" and actor.username != "admin" else None


ADMIN_URLS = ["/admin/users", "/admin/users/new", "/admin/departments", "/admin/departments/new",
              "/admin/plugins", "/admin/fields", "/admin/fields/new"]


def test_with_a_permissions_plugin_only_admins_see_and_use_the_screens(make_kehu):
    roles = make_plugin("roles", permission_allowed=only_admins_configure)
    app = make_kehu(enable=["roles"], extra_plugins=[roles])
    with TestClient(create_web_app(app)) as clerk, TestClient(create_web_app(app)) as admin:
        signed_in(app, clerk, "clerk")
        signed_in(app, admin, "admin")
        for url in ADMIN_URLS:
            page = clerk.get(url)
            assert page.status_code == 403, url
            assert "您无权执行此操作" in text(page.text) and "<html" in page.text  # a page, not JSON
            assert admin.get(url).status_code == 200, url
        assert "/admin/users" not in clerk.get("/account").text  # not in the clerk's menu
        assert "/admin/users" in admin.get("/account").text
        assert "单团队模式" not in text(admin.get("/admin/users").text)
        for url, data in [("/admin/departments/new", {"name": "销售部"}),
                          ("/admin/users/new", {"username": "li.na", "display_name": "李娜"}),
                          ("/admin/plugins/roles/disable", {})]:
            assert post(clerk, url, data).status_code == 403, url
    with app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Department)) == 0
    assert not users_named(app, "li.na") and "roles" in app.plugins.order
