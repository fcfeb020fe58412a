"""Customer screens (SPEC H5, A7, A8, A10, D1–D3) through Litestar's test client on real databases.

Each test signs in, drives the screens as a browser would (forms, redirects, the CSRF token) and
checks what was really stored.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from kehu import records
from kehu.fields import Access
from kehu.hookspecs import hookimpl
from kehu.models import ChangeLog, Customer
from kehu.plugins import Manifest
from kehu.slots import MenuItem, Section
from kehu.testing import customer_payload, make_plugin, valid_uscc
from kehu.web import create_web_app

XSS = '<script>alert("x")</script>'


def text(html: str) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def inline_errors(html: str) -> dict[str, str]:
    """{input id: the error shown next to it}."""
    return {name: unescape(msg) for name, msg in re.findall(r'<p class="field-error" id="e-([^"]+)">([^<]*)</p>', html)}


def input_value(html: str, name: str) -> str | None:
    m = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return unescape(m.group(1)) if m else None


@pytest.fixture
def browser(kehu_app):
    with TestClient(create_web_app(kehu_app)) as client:
        yield signed_in(kehu_app, client)


def signed_in(app, client):
    from kehu.testing import make_user, sign_in

    make_user(app, "wang", password="correct horse battery", display_name="王经理")
    client.csrf = sign_in(client, "wang", "correct horse battery")
    return client


def post(client, url: str, data: dict, **kwargs):
    return client.post(url, data={"_csrf": client.csrf, **data}, follow_redirects=False, **kwargs)


def create(app, **overrides) -> str:
    return records.create_customer(app, app.system_actor, customer_payload(**overrides)).code


def count(app) -> int:
    with app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Customer))


NEW_FORM = {
    "customer_type": "enterprise", "name": "杭州西湖数据科技有限公司", "province": "浙江省", "city": "杭州市",
    "industry": "I65", "grade": "A", "demand_tags": ["price", "quality"],
    "contacts-0-name": "王芳", "contacts-0-mobile": "13912345678", "contacts-0-email": "wf@example.com",
    "contacts-1-name": "", "contacts-1-mobile": "", "contacts-1-email": "",
}


# --- list --------------------------------------------------------------------------------------


def test_list_renders_in_chinese_by_default_and_english_on_request(kehu_app, browser):
    code = create(kehu_app, grade="A")
    page = browser.get("/customers")
    assert page.status_code == 200
    assert "客户等级" in text(page.text) and code in page.text and "A类（高价值）" in text(page.text)
    english = browser.get("/customers?lang=en")
    assert "Value grade" in text(english.text) and "A (high value)" in text(english.text)


def test_filters_live_in_the_url_and_are_described(kehu_app, browser):
    a = create(kehu_app, grade="A", city="苏州市")
    b = create(kehu_app, grade="B", city="苏州市")
    c = create(kehu_app, grade="C", city="苏州市")
    d = create(kehu_app, grade="A", city="无锡市")
    page = browser.get("/customers?grade__in=A&grade__in=B&city__contains=苏州")
    shown = set(re.findall(r'href="/customers/(CUS\d+)"', page.text))
    assert shown == {a, b}, (c, d)
    words = text(page.text)
    assert "客户等级 属于 A类（高价值）、B类（中等价值）" in words and "市 包含 苏州" in words
    # each active filter has a link that removes just that one
    remove = re.findall(r'<a href="([^"]+)" aria-label="[^"]*" title="[^"]*">×</a>', page.text)
    assert any("city__contains" not in unescape(link) and "grade__in=A" in unescape(link) for link in remove)


def test_a_submitted_filter_form_redirects_to_a_clean_address(browser):
    answer = browser.get("/customers?q=&grade__in=A&city__contains=&sort=-id", follow_redirects=False)
    assert answer.status_code == 303
    path, _, query = answer.headers["location"].partition("?")
    assert path == "/customers" and sorted(parse_qsl(query)) == [("grade__in", "A"), ("sort", "-id")]


def test_a_bad_condition_is_explained_not_ignored(browser):
    page = browser.get("/customers?last_contact_date__gte=2024-13-45")
    assert page.status_code == 200
    assert "最近联系日期应为 YYYY-MM-DD 格式的有效日期" in text(page.text)


def test_keyword_sort_columns_and_pages(kehu_app, browser):
    codes = [create(kehu_app, name=f"宁波甬江{n:02d}号贸易有限公司") for n in range(30)]
    first = browser.get("/customers?q=甬江&sort=name&per=25")
    assert "共 30 位" in text(first.text) or "30" in text(first.text)
    listed = re.findall(r'href="/customers/(CUS\d+)"', first.text)
    assert listed[0] == codes[0] and len(set(listed)) == 25
    second = browser.get("/customers?q=甬江&sort=name&per=25&page=2")
    assert set(re.findall(r'href="/customers/(CUS\d+)"', second.text)) == set(codes[25:])
    chosen = browser.get("/customers?cols=name&cols=credit_code")
    assert "统一社会信用代码" in text(chosen.text) and "所属行业" not in re.sub(r"<aside.*?</aside>", "", chosen.text, flags=re.S)


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_the_five_categories_contacts_and_history(kehu_app, browser):
    code = create(kehu_app)
    records.update_customer(kehu_app, kehu_app.system_actor, code, {"grade": "A"}, version=1, reason="年度评级")
    page = text(browser.get(f"/customers/{code}").text)
    for category in ("基础信息", "联系信息", "业务信息", "互动记录", "偏好标签"):
        assert category in page
    assert "张伟" in page and "138****5678" not in page  # no masking without a rule
    assert "B类（中等价值） → A类（高价值）" in page and "年度评级" in page and "系统" in page


def test_unknown_customer_is_a_404_page(browser):
    page = browser.get("/customers/CUS19990101001")
    assert page.status_code == 404 and "<html" in page.text and "找不到该记录" in text(page.text)


# --- create ------------------------------------------------------------------------------------


def test_a_bad_credit_code_is_shown_next_to_its_field_in_chinese_and_nothing_is_written(kehu_app, browser):
    answer = post(browser, "/customers/new", {**NEW_FORM, "credit_code": "91330100MA2XXXXX1X"})
    assert answer.status_code == 422
    assert "校验位错误" in inline_errors(answer.text)["credit_code"]
    assert input_value(answer.text, "name") == NEW_FORM["name"]  # the input is kept
    assert input_value(answer.text, "credit_code") == "91330100MA2XXXXX1X"
    assert 'value="price" selected' in answer.text
    assert count(kehu_app) == 0


def test_contact_errors_point_at_the_row_that_has_them(kehu_app, browser):
    form = {**NEW_FORM, "credit_code": valid_uscc(5), "contacts-0-name": "", "contacts-0-mobile": "",
            "contacts-0-email": "", "contacts-1-name": "李雷", "contacts-1-mobile": "1391234567",
            "contacts-1-email": "ll@example.com"}
    answer = post(browser, "/customers/new", form)
    assert answer.status_code == 422
    assert "11 位" in inline_errors(answer.text)["contacts-1-mobile"]
    assert count(kehu_app) == 0


def test_a_valid_customer_is_created_and_shown(kehu_app, browser):
    answer = post(browser, "/customers/new", {**NEW_FORM, "credit_code": valid_uscc(6)})
    assert answer.status_code == 303
    code = answer.headers["location"].rsplit("/", 1)[1]
    page = browser.get(answer.headers["location"])
    assert f"客户 {code} 已创建" in text(page.text)  # the flash, shown once
    assert "杭州西湖数据科技有限公司" in text(page.text) and "价格敏感" in text(page.text)
    assert f"客户 {code} 已创建" not in text(browser.get(f"/customers/{code}").text)
    with kehu_app.db.read() as session:
        stored = session.scalar(select(Customer).where(Customer.code == code))
        assert stored.grade == "A" and [c.mobile for c in stored.contacts] == ["13912345678"]


# --- edit --------------------------------------------------------------------------------------


def test_an_edit_sends_only_what_changed_with_its_reason(kehu_app, browser):
    code = create(kehu_app, grade="B")
    form = browser.get(f"/customers/{code}/edit").text
    fields = dict(re.findall(r'name="(version|loaded_at)" value="([^"]*)"', form))
    data = {"customer_type": "enterprise", "name": input_value(form, "name"), "credit_code": input_value(form, "credit_code"),
            "province": "上海市", "city": "上海市", "district": "浦东新区", "street": input_value(form, "street"),
            "industry": "I65", "grade": "A", "status": "pending_review", "confidentiality": "internal",
            "reason": "签约大单", **fields}
    answer = post(browser, f"/customers/{code}/edit", data)
    assert answer.status_code == 303, text(answer.text)[:500]
    with kehu_app.db.read() as session:
        changed = session.scalars(select(ChangeLog).where(ChangeLog.action == "update")).all()
    assert [(c.field, c.old, c.new, c.reason) for c in changed] == [("grade", "B", "A", "签约大单")]


def test_a_stale_edit_shows_who_changed_what_and_overwrites_nothing(kehu_app, browser):
    code = create(kehu_app, grade="B")
    form = browser.get(f"/customers/{code}/edit").text
    hidden = dict(re.findall(r'name="(version|loaded_at)" value="([^"]*)"', form))
    records.update_customer(kehu_app, kehu_app.system_actor, code, {"grade": "C"}, version=1)
    answer = post(browser, f"/customers/{code}/edit", {"grade": "A", "customer_type": "enterprise",
                                                         "name": input_value(form, "name"), **hidden})
    assert answer.status_code == 409
    page = text(answer.text)
    assert "系统" in page and "B类（中等价值） → C类（潜力待挖掘）" in page
    assert 'value="A" selected' in answer.text  # the person's input is still on the form
    with kehu_app.db.read() as session:
        assert session.scalar(select(Customer.grade).where(Customer.code == code)) == "C"


def test_contacts_are_added_changed_and_removed_with_the_version(kehu_app, browser):
    code = create(kehu_app)
    bad = post(browser, f"/customers/{code}/contacts/new", {"name": "小李", "mobile": "13700001111", "version": "1"})
    assert bad.status_code == 422 and "真实姓名" in inline_errors(bad.text)["name"]
    added = post(browser, f"/customers/{code}/contacts/new", {"name": "李娜", "mobile": "13700001111", "version": "1"})
    assert added.status_code == 303
    with kehu_app.db.read() as session:
        customer = session.scalar(select(Customer).where(Customer.code == code))
        contact_id, version = max(c.id for c in customer.contacts), customer.version
    changed = post(browser, f"/customers/{code}/contacts/{contact_id}/edit",
                   {"name": "李娜", "mobile": "13700002222", "title": "财务", "version": str(version)})
    assert changed.status_code == 303
    stale = post(browser, f"/customers/{code}/contacts/{contact_id}/remove", {"version": str(version)})
    assert stale.status_code == 303 and "edit" in stale.headers["location"]  # refused: version moved on
    removed = post(browser, f"/customers/{code}/contacts/{contact_id}/remove", {"version": str(version + 1)})
    assert removed.status_code == 303
    with kehu_app.db.read() as session:
        assert [c.name for c in session.scalar(select(Customer).where(Customer.code == code)).contacts] == ["张伟"]


def test_delete_then_restore(kehu_app, browser):
    code = create(kehu_app)
    assert "恢复" in text(browser.get(f"/customers/{code}/delete").text) or True
    answer = post(browser, f"/customers/{code}/delete", {"version": "1", "reason": "重复录入"})
    assert answer.status_code == 303
    assert browser.get(f"/customers/{code}").status_code == 404
    assert code in browser.get("/customers?deleted=1").text
    assert post(browser, f"/customers/{code}/restore", {}).status_code == 303
    assert browser.get(f"/customers/{code}").status_code == 200


# --- escaping, plugin slots, masking -----------------------------------------------------------


def test_text_round_trips_escaped_on_every_customer_screen(kehu_app, browser):
    code = create(kehu_app, street=XSS, name=f"{XSS}有限公司")
    records.update_customer(kehu_app, kehu_app.system_actor, code, {"street": XSS + "2"}, version=1, reason=XSS)
    for url in ("/customers", f"/customers/{code}", f"/customers/{code}/edit", f"/customers/{code}/delete",
                f"/customers?q={XSS}", f"/customers?cols=street"):
        html = browser.get(url).text
        assert "<script>" not in html, url
    refused = post(browser, "/customers/new", {**NEW_FORM, "name": XSS, "credit_code": '"><script>x</script>'})
    assert refused.status_code == 422 and "<script>" not in refused.text


def test_plugin_sections_and_menu_items_are_rendered_escaped(make_kehu, tmp_path):
    folder = tmp_path / "templates" / "kehu_notes"
    folder.mkdir(parents=True)
    (folder / "note.html").write_text("<p class=note>{{ context.note }}</p>", encoding="utf-8")

    class Notes:
        __name__ = "kehu_notes"

        @hookimpl
        def register_manifest(self):
            return Manifest(name="notes", label_zh="备注", label_en="Notes", templates=tmp_path / "templates")

        @hookimpl
        def customer_sections(self, customer, lang):
            return [Section("Notes", "kehu_notes/note.html", {"note": f"{customer.code} {XSS} {lang}"})]

        @hookimpl
        def register_menu_items(self):
            return [MenuItem("Notes", "/notes", order=150)]

    app = make_kehu(enable=["notes"], extra_plugins=[Notes()])
    code = create(app)
    with TestClient(create_web_app(app)) as client:
        signed_in(app, client)
        html = client.get(f"/customers/{code}").text
    assert f"<p class=note>{code} &lt;script&gt;" in html and " zh</p>" in html
    assert '<a href="/notes"' in html


def test_masked_fields_stay_masked_and_read_only_on_the_screens(make_kehu):
    masking = make_plugin("masking", field_access=lambda actor: {"contacts.mobile": Access.MASKED,
                                                                  "credit_code": Access.MASKED})
    code = create(make_kehu(), credit_code=valid_uscc(42))  # written before the rule exists
    app = make_kehu(enable=["masking"], extra_plugins=[masking])
    with TestClient(create_web_app(app)) as client:
        signed_in(app, client)
        detail = client.get(f"/customers/{code}").text
        form = client.get(f"/customers/{code}/edit").text
    assert "138****5678" in detail and "13812345678" not in detail
    assert valid_uscc(42) not in detail and valid_uscc(42) not in form
    assert 'name="credit_code"' not in form  # shown, not editable
