"""Admin screens for custom fields (SPEC A7) and plugins (SPEC H2): list, add, edit, retire;
enable and disable with dependency refusals.  Signed in, with the CSRF token, on both databases.
"""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from kehu import customfields, records
from kehu.errors import ValidationFailed
from kehu.hookspecs import hookimpl
from kehu.models import CustomField, PluginState
from kehu.plugins import Manifest
from kehu.testing import customer_payload, make_plugin
from kehu.web import create_web_app

from test_screens_admin import XSS, flashes, follow, inline_errors, input_value, post, signed_in, text

CARD = {"key": "card_grade", "label_zh": "会员卡等级", "label_en": "Card grade", "type": "enum",
        "category": "business", "choices": "gold = 金卡 = Gold card\n银卡\n", "required_for": ["enterprise"],
        "flags": ["filterable", "listed"]}


@pytest.fixture
def browser(kehu_app):
    with TestClient(create_web_app(kehu_app)) as client:
        yield signed_in(kehu_app, client)


def stored(app, key: str) -> CustomField | None:
    with app.db.read() as session:
        return session.get(CustomField, key)


# --- the list ----------------------------------------------------------------------------------


def test_fields_are_listed_by_category_with_their_origin(kehu_app, browser):
    customfields.add_subcategory(kehu_app, kehu_app.system_actor,
                                 {"key": "vip", "parent": "business", "label_zh": "贵宾服务", "label_en": "VIP"})
    customfields.add_field(kehu_app, kehu_app.system_actor, {
        "key": "vip_level", "label_zh": XSS, "label_en": "VIP level", "category": "business",
        "subcategory": "vip"})
    page = browser.get("/admin/fields")
    shown = text(page.text)
    for category in ("基础信息", "联系信息", "业务信息", "互动记录", "偏好标签"):
        assert category in shown
    assert "统一社会信用代码" in shown and "核心" in shown  # a core field and its origin
    assert "贵宾服务" in shown and "自定义" in shown
    assert XSS not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    # Only custom fields can be edited or retired.
    assert 'href="/admin/fields/vip_level/edit"' in page.text
    assert 'href="/admin/fields/credit_code/edit"' not in page.text
    assert browser.get("/admin/fields/credit_code/edit").status_code == 404


def test_plugin_fields_name_their_plugin(make_kehu):
    from kehu.fields import FieldDef, FieldType, Storage

    @hookimpl
    def register_manifest():
        return Manifest(name="loyalty", label_zh="会员积分", label_en="Loyalty points")

    @hookimpl
    def register_fields():
        return [FieldDef("points", FieldType.INTEGER, "积分", "Points", "business", storage=Storage.CUSTOM,
                         plugin="loyalty")]

    plugin = make_plugin("loyalty")
    plugin.register_manifest, plugin.register_fields = register_manifest, register_fields
    app = make_kehu(enable=["loyalty"], extra_plugins=[plugin])
    with TestClient(create_web_app(app)) as client:
        signed_in(app, client)
        assert "插件：会员积分" in text(client.get("/admin/fields").text)
        assert "Plugin: Loyalty points" in text(client.get("/admin/fields?lang=en").text)


# --- add -----------------------------------------------------------------------------------------


def test_a_field_is_added_and_customers_can_use_it(kehu_app, browser):
    page = follow(browser, post(browser, "/admin/fields/new", CARD))
    assert flashes(page) == ["已添加字段 会员卡等级"]
    row = stored(kehu_app, "card_grade")
    assert (row.type, row.category, row.required_for) == ("enum", "business", ["enterprise"])
    assert (row.filterable, row.listed, row.searchable) == (True, True, False)
    assert row.choices == [{"value": "gold", "zh": "金卡", "en": "Gold card"},
                           {"value": "银卡", "zh": "银卡", "en": "银卡"}]
    customer = records.create_customer(kehu_app, kehu_app.system_actor, customer_payload(card_grade="gold"))
    assert customer.custom["card_grade"] == "gold"


def test_bad_field_input_is_shown_next_to_each_field_kept_and_nothing_written(browser, kehu_app):
    response = post(browser, "/admin/fields/new", {
        "key": "Card Grade", "label_zh": XSS, "label_en": "", "type": "enum", "category": "business",
        "choices": "gold = 金卡\ngold = 金卡二", "validators": "mobile", "max_length": "abc"})
    assert response.status_code == 400
    errors = inline_errors(response.text)
    assert errors["key"] == "字段代码只能包含小写字母、数字和下划线，并以字母开头"
    assert errors["label_en"] == "英文名称为必填项"
    assert errors["choices"] == "选项“gold”重复"
    assert errors["validators"] == "校验规则“mobile”只能用于文本字段"
    assert errors["max_length"] == "最大长度应为 1 到 2000 之间的整数"
    assert input_value(response.text, "key") == "Card Grade"
    assert input_value(response.text, "label_zh") == XSS
    assert XSS not in response.text
    assert "gold = 金卡\ngold = 金卡二</textarea>" in response.text
    assert 'value="mobile" checked' in response.text and '<option value="enum" selected>' in response.text
    with kehu_app.db.read() as session:
        assert session.scalars(select(CustomField)).all() == []


def test_field_errors_in_english(browser):
    response = post(browser, "/admin/fields/new?lang=en", {**CARD, "category": "", "choices": ""})
    assert response.status_code == 400
    errors = inline_errors(response.text)
    assert errors["category"] == "Category is required"
    assert errors["choices"] == "A choice field needs at least one option"


def test_the_new_form_starts_in_the_chosen_category(browser):
    page = browser.get("/admin/fields/new?category=contact")
    assert '<option value="contact" selected>' in page.text


# --- edit and retire -----------------------------------------------------------------------------


def test_a_field_is_edited_options_added_and_renamed(kehu_app, browser):
    follow(browser, post(browser, "/admin/fields/new", CARD))
    edit = browser.get("/admin/fields/card_grade/edit")
    assert edit.status_code == 200
    assert "gold = 金卡 = Gold card\n银卡 = 银卡 = 银卡</textarea>" in edit.text
    assert 'name="key"' not in edit.text  # key and type are shown, not editable
    assert 'value="listed" checked' in edit.text and 'value="searchable" checked' not in edit.text
    assert 'value="enterprise" checked' in edit.text
    changed = {**CARD, "key": "hacked", "type": "text", "label_en": "Membership grade",
               "choices": "gold = 金卡 = Gold\n银卡 = 银卡 = Silver\nplatinum = 白金卡 = Platinum", "required_for": [],
               "flags": ["searchable"]}
    page = follow(browser, post(browser, "/admin/fields/card_grade/edit", changed))
    assert flashes(page) == ["已保存字段 会员卡等级"]
    row = stored(kehu_app, "card_grade")
    assert (row.type, row.label_en, row.required_for) == ("enum", "Membership grade", [])
    assert (row.filterable, row.listed, row.searchable) == (False, False, True)  # unticked boxes post nothing
    assert [c["en"] for c in row.choices] == ["Gold", "Silver", "Platinum"]
    assert stored(kehu_app, "hacked") is None


def test_removing_an_option_is_refused_next_to_the_options(kehu_app, browser):
    follow(browser, post(browser, "/admin/fields/new", CARD))
    response = post(browser, "/admin/fields/card_grade/edit?lang=en", {**CARD, "choices": "gold = 金卡 = Gold card"})
    assert response.status_code == 400
    assert inline_errors(response.text)["choices"].startswith('The option "银卡" cannot be removed')
    assert "gold = 金卡 = Gold card</textarea>" in response.text
    assert len(stored(kehu_app, "card_grade").choices) == 2


def test_a_field_is_retired_after_confirmation(kehu_app, browser):
    follow(browser, post(browser, "/admin/fields/new", CARD))
    confirm = browser.get("/admin/fields/card_grade/retire")
    assert confirm.status_code == 200 and "停用此字段" in text(confirm.text)
    assert stored(kehu_app, "card_grade").retired is False  # asking changes nothing
    page = follow(browser, post(browser, "/admin/fields/card_grade/retire"))
    assert flashes(page) == ["已停用字段 会员卡等级，客户已有的值和历史记录保留"]
    assert stored(kehu_app, "card_grade").retired is True
    assert "已停用的字段" in text(page)
    with pytest.raises(ValidationFailed):
        records.create_customer(kehu_app, kehu_app.system_actor, customer_payload(card_grade="gold"))
    assert post(browser, "/admin/fields/card_grade/retire").status_code == 404


def test_a_subcategory_is_added_or_refused_inline(kehu_app, browser):
    response = post(browser, "/admin/fields/subcategories", {"parent": "business", "key": "vip", "label_zh": "",
                                                             "label_en": "VIP"})
    assert response.status_code == 400
    assert inline_errors(response.text) == {"label_zh": "中文名称为必填项"}
    assert input_value(response.text, "label_en") == "VIP"
    page = follow(browser, post(browser, "/admin/fields/subcategories",
                                {"parent": "business", "key": "vip", "label_zh": "贵宾服务", "label_en": "VIP"}))
    assert flashes(page) == ["已添加二级分类 贵宾服务"]
    assert "vip" in kehu_app.fields.subcategories


# --- plugins -------------------------------------------------------------------------------------


def plugins():
    base = make_plugin("base")
    child = make_plugin("child", depends=("base",))

    @hookimpl
    def register_manifest():
        return Manifest(name="shady", label_zh=XSS, label_en=XSS, description_zh=XSS, version="1.0")

    shady = make_plugin("shady")
    shady.register_manifest = register_manifest
    return [base, child, shady]


def enabled(app) -> set[str]:
    with app.db.read() as session:
        return {s.name for s in session.scalars(select(PluginState).where(PluginState.enabled))}


def test_plugins_are_listed_escaped(make_kehu):
    app = make_kehu(extra_plugins=plugins())
    with TestClient(create_web_app(app)) as client:
        signed_in(app, client)
        page = client.get("/admin/plugins")
        assert page.status_code == 200 and "child" in page.text and "1.0" in text(page.text)
        assert XSS not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_enable_refused_for_a_missing_dependency_then_allowed(make_kehu):
    app = make_kehu(extra_plugins=plugins())
    with TestClient(create_web_app(app)) as client:
        signed_in(app, client)
        page = follow(client, post(client, "/admin/plugins/child/enable"))
        assert flashes(page) == ["插件“child”依赖“base”，但后者未启用，请先启用它"]
        assert enabled(app) == set()
        page = follow(client, post(client, "/admin/plugins/base/enable?lang=en"))
        assert flashes(page) == ["Plugin base enabled; it takes effect when the server restarts"]
        assert "Takes effect after a restart" in text(page)
        follow(client, post(client, "/admin/plugins/child/enable"))
        assert enabled(app) == {"base", "child"}
        page = follow(client, post(client, "/admin/plugins/base/disable?lang=en"))
        assert flashes(page) == ['Plugin "base" is still needed by enabled plugin(s) child; disable those first']
        assert enabled(app) == {"base", "child"}
        page = follow(client, post(client, "/admin/plugins/nope/enable"))
        assert flashes(page) == ["没有安装名为“nope”的插件"]
