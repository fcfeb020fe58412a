"""The tags screens (SPEC B1, B2, D3, H5) through Litestar's test client, on SQLite and PostgreSQL.

Each test signs in, drives the screens as a browser without JavaScript would (forms, redirects,
the CSRF token) and reads back what was really stored.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from kehu.fields import Access
from kehu.models import Customer
from kehu.query import OPERATORS
from kehu.testing import make_plugin, make_user, sign_in, valid_uscc
from kehu.web import create_web_app
from kehu_tags import service
from kehu_tags.models import Tag
from tags_helpers import create, entries, tags_of

XSS_NAME = '区域-"><svg onload=1>'  # a valid "dimension-value" name that is also markup
XSS_TEXT = '<script>alert("x")</script>'
NEW_FORM = {
    "customer_type": "enterprise", "name": "杭州西湖数据科技有限公司", "province": "浙江省", "city": "杭州市",
    "industry": "I65", "grade": "A",
    "contacts-0-name": "王芳", "contacts-0-mobile": "13912345678", "contacts-0-email": "wf@example.com",
}


def text(html: str) -> str:
    """The page as a reader sees it: markup dropped, entities decoded, spaces squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def inline_errors(html: str) -> dict[str, str]:
    """{input id: the error shown next to it}."""
    return {name: unescape(msg) for name, msg in re.findall(r'<p class="field-error" id="e-([^"]+)">([^<]*)</p>', html)}


def ticked(html: str, name: str = "tags") -> set[str]:
    """The values of the ticked checkboxes named `name`."""
    return {unescape(v) for v in re.findall(rf'type="checkbox" name="{name}" value="([^"]*)" checked', html)}


def boxes(html: str, name: str = "tags") -> set[str]:
    return {unescape(v) for v in re.findall(rf'type="checkbox" name="{name}" value="([^"]*)"', html)}


def typed(html: str) -> str:
    """What the picker's "new tags" box holds."""
    return unescape(re.search(r'<input id="f-tags" name="tags" type="text" value="([^"]*)"', html).group(1))


def listed(html: str) -> set[str]:
    return set(re.findall(r'href="/customers/(CUS\d+)"', html))


@pytest.fixture
def browser(app):
    with TestClient(create_web_app(app)) as client:
        make_user(app, "li", display_name="李经理")
        client.csrf = sign_in(client, "li")
        yield client


def post(client, url: str, data: dict, **kwargs):
    return client.post(url, data={"_csrf": client.csrf, **data}, follow_redirects=False, **kwargs)


def tag_id(app, name: str) -> int:
    with app.db.read() as session:
        return session.scalar(select(Tag.id).where(Tag.name == name))


def tag_count(app) -> int:
    with app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Tag))


def customer_count(app) -> int:
    with app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Customer))


def new_tag(app, name: str, description: str | None = None) -> int:
    return service.create_tag(app, app.system_actor, {"name": name, "description": description})["id"]


# --- the picker on the customer form -------------------------------------------------------------


def test_the_picker_offers_existing_tags_by_dimension_and_saves_picked_and_new_ones(app, browser):
    create(app, tags=["区域-华东", "状态-意向强烈"])
    new_tag(app, "行业-制造业", "GB/T 4754 C 门类")
    form = browser.get("/customers/new").text
    assert boxes(form) == {"区域-华东", "状态-意向强烈", "行业-制造业"}
    assert ticked(form) == set() and typed(form) == ""
    for dimension in ("区域", "状态", "行业"):
        assert f'<span class="choice-group-label">{dimension}</span>' in form
    assert 'title="GB/T 4754 C 门类"' in form  # the description on hover
    # two ticked boxes and two typed names (the Chinese enumeration comma separates them)
    data = {**NEW_FORM, "credit_code": valid_uscc(901), "tags": ["区域-华东", "行业-制造业", "客户-长期合作、来源－展会"]}
    answer = post(browser, "/customers/new", data)
    assert answer.status_code == 303, text(answer.text)[:800]
    code = answer.headers["location"].rsplit("/", 1)[1]
    assert tags_of(app, code) == ["区域-华东", "客户-长期合作", "来源-展会", "行业-制造业"]  # canonical, sorted
    assert tag_count(app) == 5  # the two typed names became tags


def test_the_edit_form_ticks_the_customers_tags_and_unticking_one_removes_it(app, browser):
    code = create(app, tags=["区域-华东", "状态-意向强烈"]).code
    new_tag(app, "行业-制造业")
    form = browser.get(f"/customers/{code}/edit").text
    assert ticked(form) == {"区域-华东", "状态-意向强烈"} and typed(form) == ""
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    # 区域-华东 unticked, 行业-制造业 ticked, the "new tags" box left empty
    answer = post(browser, f"/customers/{code}/edit", {**_editable(app, code), "version": version,
                                                         "tags": ["状态-意向强烈", "行业-制造业", ""], "reason": "复核标签"})
    assert answer.status_code == 303, text(answer.text)[:800]
    assert tags_of(app, code) == ["状态-意向强烈", "行业-制造业"]
    change = entries(app, code, "update")[-1]
    assert change.field == "tags" and change.reason == "复核标签"
    assert change.old == ["区域-华东", "状态-意向强烈"] and change.new == ["状态-意向强烈", "行业-制造业"]


def _editable(app, code: str) -> dict[str, str]:
    """The customer's stored values as its edit form posts them back (every field unchanged)."""
    from kehu.web.screens.forms import form_value
    from tags_helpers import view

    stored = view(app, code)
    return {f.key: form_value(f, stored.get(f.key)) for f in app.fields if not f.readonly and f.key != "tags"}


@pytest.mark.parametrize("lang, words", [("zh", "应写成“维度-取值”"), ("en", 'must be written "dimension-value"')])
def test_a_bad_tag_name_is_shown_next_to_the_picker_with_the_input_kept_and_nothing_written(app, browser, lang, words):
    new_tag(app, "区域-华东")
    data = {**NEW_FORM, "credit_code": valid_uscc(902), "tags": ["区域-华东", "重要客户"]}
    answer = post(browser, f"/customers/new?lang={lang}", data)
    assert answer.status_code == 422
    assert words in inline_errors(answer.text)["tags"] and "重要客户" in inline_errors(answer.text)["tags"]
    assert ticked(answer.text) == {"区域-华东"} and typed(answer.text) == "重要客户"  # the input is kept
    assert customer_count(app) == 0 and tag_count(app) == 1


def test_a_bad_tag_on_an_edit_changes_nothing(app, browser):
    code = create(app, tags=["区域-华东"]).code
    before = tags_of(app, code)
    form = browser.get(f"/customers/{code}/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    answer = post(browser, f"/customers/{code}/edit", {**_editable(app, code), "version": version,
                                                         "tags": ["区域-华东", "状态-xx"]})
    assert answer.status_code == 422
    assert "过于笼统" in inline_errors(answer.text)["tags"]
    assert typed(answer.text) == "状态-xx" and ticked(answer.text) == {"区域-华东"}
    assert tags_of(app, code) == before and entries(app, code, "update") == [] and tag_count(app) == 1


# --- the list and the detail ---------------------------------------------------------------------


def test_the_list_filter_offers_tags_and_filters_by_any_all_none_from_the_url(app, browser):
    east = create(app, tags=["区域-华东", "状态-意向强烈"]).code
    south = create(app, tags=["区域-华南"]).code
    plain = create(app).code
    panel = browser.get("/customers").text
    for op in ("any", "all", "none"):
        select_ = re.search(rf'<select id="filter-tags__{op}" name="tags__{op}" multiple.*?</select>', panel, re.S).group(0)
        assert '<optgroup label="区域">' in select_ and '<option value="区域-华东">华东</option>' in select_
    for op in ("any", "all", "none"):  # each multi-select says what it does, in the reader's language
        assert f'<label class="small" for="filter-tags__{op}">{OPERATORS[op][0]}</label>' in panel
    assert listed(browser.get(f"/customers?tags__any={quote('区域-华东')}&tags__any={quote('区域-华南')}").text) \
        == {east, south}
    assert listed(browser.get(f"/customers?tags__all={quote('区域-华东,状态-意向强烈')}").text) == {east}
    page = browser.get(f"/customers?tags__none={quote('区域-华东')}").text
    assert listed(page) == {south, plain}
    # the chosen tag stays selected, so applying the panel again keeps the condition
    assert re.search(r'<select id="filter-tags__none".*?<option value="区域-华东" selected>', page, re.S)
    # a former name in a bookmarked address still works and stays selected
    service.rename_tag(app, app.system_actor, tag_id(app, "区域-华南"), "区域-华南沿海")
    old = browser.get(f"/customers?tags__any={quote('区域-华南')}").text
    assert listed(old) == {south} and '<option value="区域-华南" selected>' in old


def test_the_list_shows_tags_as_pills_when_the_column_is_chosen(app, browser):
    create(app, tags=["区域-华东"])
    page = browser.get("/customers?cols=name&cols=tags").text
    assert '<span class="pill">区域-华东</span>' in page


def test_the_detail_links_each_tag_to_the_customers_carrying_it(app, browser):
    code = create(app, tags=["区域-华东", "状态-意向强烈"]).code
    other = create(app, tags=["区域-华东"]).code
    page = browser.get(f"/customers/{code}").text
    link = re.search(rf'<a class="small" href="([^"]+)">([^<]+)</a>', page.split("区域-华东</span>")[-1])
    assert unescape(link.group(1)) == f"/customers?tags__any={quote('区域-华东')}" and link.group(2) == "2 位客户带有此标签"
    assert listed(browser.get(unescape(link.group(1))).text) == {code, other}
    english = browser.get(f"/customers/{code}?lang=en").text
    assert "1 customer carries it" in text(english) and "2 customers carry it" in text(english)


def test_readers_who_may_not_see_tags_get_no_picker_options_filter_or_section(make_kehu):
    hide = make_plugin("hide", depends=("tags",),
                       field_access=lambda actor: {"tags": Access.HIDDEN} if actor.username == "li" else None)
    app = make_kehu(enable=["tags", "hide"], extra_plugins=[hide])
    code = create(app, tags=["区域-华东"]).code
    with TestClient(create_web_app(app)) as client:
        make_user(app, "li")
        sign_in(client, "li")
        assert "区域-华东" not in client.get(f"/customers/{code}").text
        assert "区域-华东" not in client.get("/customers/new").text
        assert 'name="tags__any"' not in client.get("/customers").text


# --- the management screen -----------------------------------------------------------------------


def test_the_tags_screen_lists_tags_by_dimension_with_usage_counts(app, browser):
    create(app, tags=["区域-华东", "状态-意向强烈"])
    create(app, tags=["区域-华东"])
    new_tag(app, "行业-制造业", "制造业客户")
    page = browser.get("/tags")
    assert page.status_code == 200
    words = text(page.text)
    assert "标签" in words and "共 3 个" in words and "制造业客户" in words
    rows = dict(re.findall(r'<span class="pill">([^<]+)</span></td>.*?<td class="num">(.*?)</td>', page.text, re.S))
    assert text(rows["区域-华东"]).strip() == "2" and text(rows["状态-意向强烈"]).strip() == "1"
    assert text(rows["行业-制造业"]).strip() == "0"
    assert f'href="/customers?tags__any={quote("区域-华东")}"' in page.text
    assert re.search(r'<a href="/tags"[^>]*>标签</a>', page.text)  # the menu entry, translated
    english = text(browser.get("/tags?lang=en").text)
    assert "Tags" in english and "Customers" in english and "Former names" in english


def test_a_tag_is_created_and_a_bad_name_is_shown_inline_with_the_input_kept(app, browser):
    refused = post(browser, "/tags", {"name": "重要", "description": "说明文字"})
    assert refused.status_code == 422
    assert "维度-取值" in inline_errors(refused.text)["name"]
    assert 'value="重要"' in refused.text and ">说明文字</textarea>" in refused.text
    assert tag_count(app) == 0
    answer = post(browser, "/tags", {"name": "区域－华东", "description": "长三角"})
    assert answer.status_code == 303 and answer.headers["location"] == "/tags"
    assert "标签 区域-华东 已创建" in text(browser.get("/tags").text)  # the flash, once
    created = service.list_tags(app, app.system_actor)
    assert [(t["name"], t["description"]) for t in created] == [("区域-华东", "长三角")]
    duplicate = post(browser, "/tags", {"name": "区域-华东"})
    assert duplicate.status_code == 422 and "已有名为“区域-华东”的标签" in inline_errors(duplicate.text)["name"]


def test_rename_and_describe_keep_the_customers_and_log_the_reason(app, browser):
    code = create(app, tags=["区域-华东"]).code
    tid = tag_id(app, "区域-华东")
    page = browser.get(f"/tags/{tid}").text
    assert 'value="区域-华东"' in page and "1 位客户带有此标签" in text(page)
    answer = post(browser, f"/tags/{tid}", {"name": "区域-华东地区", "description": "上海、江苏、浙江", "reason": "统一叫法"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/tags/{tid}"
    assert "区域-华东 已改名为 区域-华东地区" in text(browser.get(f"/tags/{tid}").text)
    assert tags_of(app, code) == ["区域-华东地区"]
    change = entries(app, code, "tag_rename")[-1]
    assert (change.old, change.new, change.reason) == (["区域-华东"], ["区域-华东地区"], "统一叫法")
    assert service.get_tag(app, app.system_actor, tid)["description"] == "上海、江苏、浙江"
    refused = post(browser, f"/tags/{tid}?lang=en", {"name": "区域-", "description": "x", "reason": ""})
    assert refused.status_code == 422 and 'must be written "dimension-value"' in inline_errors(refused.text)["name"]
    assert 'value="区域-"' in refused.text  # the input is kept
    assert tags_of(app, code) == ["区域-华东地区"]


def test_merge_moves_the_customers_to_the_chosen_tag(app, browser):
    a = create(app, tags=["区域-华东"]).code
    b = create(app, tags=["区域-华东", "区域-江浙沪"]).code
    source, target = tag_id(app, "区域-江浙沪"), tag_id(app, "区域-华东")
    page = browser.get(f"/tags/{source}").text
    assert f'<option value="{target}">区域-华东</option>' in page and f'<option value="{source}"' not in page
    missing = post(browser, f"/tags/{source}/merge", {"into": "", "reason": "重复"})
    assert missing.status_code == 422 and "into" in inline_errors(missing.text)
    answer = post(browser, f"/tags/{source}/merge", {"into": str(target), "reason": "重复"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/tags/{target}"
    assert "区域-江浙沪 已合并到 区域-华东" in text(browser.get(f"/tags/{target}").text)
    assert tags_of(app, a) == ["区域-华东"] and tags_of(app, b) == ["区域-华东"]
    assert tag_id(app, "区域-江浙沪") is None
    assert [e.reason for e in entries(app, b, "tag_merge")] == ["重复"]
    gone = post(browser, f"/tags/{source}/merge", {"into": str(target)})  # a stale page
    assert gone.status_code == 303 and "找不到" in text(browser.get(gone.headers["location"]).text)


def test_delete_asks_first_with_the_usage_then_removes_the_tag(app, browser):
    code = create(app, tags=["区域-华东", "状态-投诉客户"]).code
    create(app, tags=["状态-投诉客户"])
    tid = tag_id(app, "状态-投诉客户")
    confirm = browser.get(f"/tags/{tid}/delete")
    assert confirm.status_code == 200 and "2 位客户带有此标签，删除后将失去它" in text(confirm.text)
    assert tag_id(app, "状态-投诉客户") == tid  # asking deletes nothing
    answer = post(browser, f"/tags/{tid}/delete", {"reason": "不再使用"})
    assert answer.status_code == 303 and answer.headers["location"] == "/tags"
    assert "标签 状态-投诉客户 已删除" in text(browser.get("/tags").text)
    assert tag_id(app, "状态-投诉客户") is None and tags_of(app, code) == ["区域-华东"]
    assert [e.reason for e in entries(app, code, "tag_delete")] == ["不再使用"]


def test_a_refused_operation_is_an_error_flash_in_the_readers_language(make_kehu):
    no_delete = make_plugin("nodelete", depends=("tags",),
                            permission_allowed=lambda action, resource: False
                            if (resource, action) == ("tag", "delete") else None)
    app = make_kehu(enable=["tags", "nodelete"], extra_plugins=[no_delete])
    tid = new_tag(app, "区域-华东")
    with TestClient(create_web_app(app)) as client:
        make_user(app, "li", language="en")
        csrf = sign_in(client, "li")
        assert f'href="/tags/{tid}/delete"' not in client.get(f"/tags/{tid}").text  # no button
        assert client.get(f"/tags/{tid}/delete").status_code == 403  # nor a question
        assert client.get("/tags/99999").status_code == 404
        answer = client.post(f"/tags/{tid}/delete", data={"_csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 303
        page = client.get(answer.headers["location"]).text
        assert 'class="flash flash-error"' in page and "allowed" in text(page).lower()
    assert tag_id(app, "区域-华东") == tid


# --- safety --------------------------------------------------------------------------------------


def test_markup_in_tag_names_and_descriptions_is_escaped_everywhere(app, browser):
    answer = post(browser, "/tags", {"name": XSS_NAME, "description": XSS_TEXT})
    assert answer.status_code == 303, inline_errors(answer.text)
    code = create(app, tags=[XSS_NAME]).code
    tid = tag_id(app, XSS_NAME)
    pages = {
        "index": browser.get("/tags").text,  # with the flash naming the tag
        "tag": browser.get(f"/tags/{tid}").text,
        "delete": browser.get(f"/tags/{tid}/delete").text,
        "new": browser.get("/customers/new").text,
        "edit": browser.get(f"/customers/{code}/edit").text,
        "list": browser.get("/customers?cols=name&cols=tags").text,
        "detail": browser.get(f"/customers/{code}").text,
    }
    for where, html in pages.items():
        assert "<svg" not in html and "<script>" not in html, where
        # shown, as text (the picker shows the value under its dimension)
        assert (XSS_NAME.partition("-")[2] if where in ("new", "edit") else XSS_NAME) in text(html), where
    assert XSS_TEXT in text(pages["index"]) and XSS_TEXT in text(pages["detail"])


def test_a_post_without_the_csrf_token_is_refused(app, browser):
    tid = new_tag(app, "区域-华东")
    for url, data in [("/tags", {"name": "区域-华南"}), (f"/tags/{tid}", {"name": "区域-华北"}),
                      (f"/tags/{tid}/delete", {})]:
        answer = browser.post(url, data=data, follow_redirects=False)
        assert answer.status_code == 403, url
        wrong = browser.post(url, data={**data, "_csrf": "not-the-token"}, follow_redirects=False)
        assert wrong.status_code == 403, url
    assert [t["name"] for t in service.list_tags(app, app.system_actor)] == ["区域-华东"]
