"""Every user-facing string goes through a gettext catalog (zh-CN by default, English on request).

Msgids are English and live in the sources (`_()`, `N_()`, `gettext()`, `ngettext()`, templates);
each package's zh_CN catalog translates them: core's `kehu.po`, each plugin its own.  The
extraction is that of `python3 dev.py i18n` (kehu.i18n_tools), which prints the same report.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from litestar import get
from litestar.testing import TestClient

from kehu import i18n, i18n_tools
from kehu.errors import KehuError
from kehu.i18n import N_, gettext
from kehu.messages import MESSAGES, register_messages, render
from kehu.testing import customer_payload, make_plugin, valid_uscc
from kehu.web import create_web_app

ROOT = Path(__file__).resolve().parents[1]
SOURCES = i18n_tools.repo_sources(ROOT)


@pytest.fixture(scope="module")
def extracted() -> dict[str, i18n_tools.Extraction]:
    return {s.name: i18n_tools.extract_messages(s.package) for s in SOURCES}


def report(source: i18n_tools.Source, extracted) -> i18n_tools.Report:
    return i18n_tools.check(source, extracted[source.name])


def test_the_sources_are_core_and_every_plugin():
    names = [s.name for s in SOURCES]
    assert names[0] == "kehu" and {"kehu_tags", "kehu_hello"} <= set(names)
    for source in SOURCES:
        assert source.catalog.is_file(), f"{source.name} has no zh_CN catalog at {source.catalog}"


def test_extraction_finds_the_rules_of_core_and_plugins(extracted):
    import kehu_tags  # noqa: F401  (registers its rules)

    found = {msgid for e in extracted.values() for _, msgid in e.messages}
    assert set(MESSAGES.values()) <= found, set(MESSAGES.values()) - found


# (a) every msgid the sources use has a real translation in its package's catalog
@pytest.mark.parametrize("source", SOURCES, ids=[s.name for s in SOURCES])
def test_every_msgid_has_a_zh_cn_translation(source, extracted):
    result = report(source, extracted)
    problems = result.errors or result.missing or result.untranslated or result.fuzzy
    assert not problems, "\n" + "\n".join(result.lines(ROOT)) + "\n(python3 dev.py i18n prints this report)"


# (b) a translation uses exactly the fields of its msgid
@pytest.mark.parametrize("source", SOURCES, ids=[s.name for s in SOURCES])
def test_translations_use_the_placeholders_of_their_msgid(source, extracted):
    result = report(source, extracted)
    assert not result.placeholders, "\n".join(f"{i18n_tools._quoted(k)}: {why}" for k, why in result.placeholders)


# (c) one entry per msgid
@pytest.mark.parametrize("source", SOURCES, ids=[s.name for s in SOURCES])
def test_no_msgid_is_listed_twice(source):
    duplicates = i18n_tools.read_catalog(source.catalog).duplicates
    assert not duplicates, [f"{i18n_tools._quoted(d.key)} (line {d.line})" for d in duplicates]


# (d) Chinese by default, English on request
@pytest.mark.parametrize(
    ("rule", "params", "zh", "en"),
    [
        ("uscc_checksum", {"label": "统一社会信用代码"}, "统一社会信用代码校验位错误（GB 32100），请核对",
         "统一社会信用代码 has a wrong check character (GB 32100); please check it"),
        ("validation_failed", {"count": 2}, "有 2 处填写有误，未保存任何内容", "2 problem(s) found; nothing was saved"),
        ("stale_version", {"by": "wangfang", "at": "2024-05-01 14:30", "current": 3, "given": 2},
         "该记录已被 wangfang 于 2024-05-01 14:30 修改（版本 3），您的修改基于版本 2，未覆盖。请刷新后重试",
         "This record was changed by wangfang at 2024-05-01 14:30 (version 3); your edit was based on version 2 "
         "and was not saved. Reload and try again"),
        ("no_such_rule", {}, "操作失败", "The operation failed"),
    ],
)
def test_render_is_chinese_by_default_and_english_on_request(rule, params, zh, en):
    assert render(rule, **params) == zh
    assert render(rule, "zh", **params) == zh
    assert render(rule, "en", **params) == en
    assert render(rule, "fr", **params) == zh  # a language kehu does not speak: the default


def test_render_survives_a_missing_parameter():
    assert render("too_long", "zh", label="名称") == "名称最多 {max} 个字符"


def test_fixed_words_come_from_the_catalog():
    from kehu.fields import CATEGORIES, category_label
    from kehu.query import OPERATORS, operator_label

    assert category_label("basic") == "基础信息" and category_label("basic", "en") == "Basic information"
    assert CATEGORIES["preferences"] == ("偏好标签", "Preference tags")
    assert list(CATEGORIES)[0] == "basic" and "contact" in CATEGORIES
    assert operator_label("gte") == "不早于/不小于" and operator_label("gte", "en") == "at least"
    assert OPERATORS["any"] == ("含任一", "has any of")


def signed(client: TestClient, kehu) -> TestClient:
    """The client calling the API with a personal token (kehu.testing.api_headers)."""
    try:
        from kehu.testing import api_headers
    except ImportError:  # before sign-in existed the API acted as the system user
        return client
    client.headers.update(api_headers(kehu, "i18n_tester"))
    return client


def test_api_errors_in_chinese_then_english(kehu_app):
    good = valid_uscc(888_888)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with signed(TestClient(app=create_web_app(kehu_app)), kehu_app) as client:
        zh = client.post("/api/customers", json=customer_payload(credit_code=bad)).json()["error"]
        en = client.post("/api/customers?lang=en", json=customer_payload(credit_code=bad)).json()["error"]
        missing_zh = client.get("/api/no-such-thing").json()["error"]
        missing_en = client.get("/api/no-such-thing", headers={"Accept-Language": "en-GB,en;q=0.9"}).json()["error"]
    assert zh["message"] == "有 1 处填写有误，未保存任何内容"
    assert [f["message"] for f in zh["fields"]] == ["统一社会信用代码校验位错误（GB 32100），请核对"]
    assert en["message"] == "1 problem(s) found; nothing was saved"
    assert [f["message"] for f in en["fields"]] == [
        "Unified Social Credit Code has a wrong check character (GB 32100); please check it"]
    assert (missing_zh["code"], missing_zh["message"]) == ("not_found", "找不到该记录")
    assert (missing_en["code"], missing_en["message"]) == ("not_found", "No such record")


# (e) a plugin ships its own catalog and registers it at import


@pytest.fixture
def isolated_catalogs(monkeypatch):
    """Catalogs registered by the test are forgotten afterwards."""
    monkeypatch.setattr(i18n, "_catalogs", list(i18n._catalogs))
    monkeypatch.setattr(i18n, "_loaded", {})
    monkeypatch.setattr("kehu.messages.MESSAGES", dict(MESSAGES))


def write_catalog(locale_dir: Path, domain: str, entries: dict[str, str]) -> None:
    folder = locale_dir / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    body = "".join(f'\nmsgid "{msgid}"\nmsgstr "{text}"\n' for msgid, text in entries.items())
    (folder / f"{domain}.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n' + body,
        encoding="utf-8")


def test_a_plugin_catalog_registered_at_runtime_is_used(tmp_path, isolated_catalogs, make_kehu):
    write_catalog(tmp_path / "locale", "kehu_demo", {
        "The demo value {value} is odd": "示例值 {value} 不是偶数",
        "Demo": "示例",
    })
    assert render("demo_odd", "zh") == "操作失败"  # not known yet
    i18n.register_catalog(tmp_path / "locale", "kehu_demo")
    register_messages({"demo_odd": N_("The demo value {value} is odd")})

    assert render("demo_odd", value=3) == "示例值 3 不是偶数"
    assert render("demo_odd", "en", value=3) == "The demo value 3 is odd"
    assert gettext("zh", "Demo") == "示例" and gettext("en", "Demo") == "Demo"
    assert render("uscc_checksum", label="X") == "X校验位错误（GB 32100），请核对"  # core's still there

    @get("/api/demo", sync_to_thread=False)
    def demo() -> dict:
        raise KehuError("demo_odd", value=5)

    app = make_kehu(enable=["demo"], extra_plugins=[make_plugin("demo", register_routes=lambda app: [demo])])
    with signed(TestClient(app=create_web_app(app)), app) as client:
        assert client.get("/api/demo").json()["error"]["message"] == "示例值 5 不是偶数"
        assert client.get("/api/demo?lang=en").json()["error"]["message"] == "The demo value 5 is odd"


def test_the_tags_plugin_brings_its_catalog():
    import kehu_tags  # noqa: F401

    assert render("tags_merge_self") == "不能把标签合并到它自己"
    assert render("tags_merge_self", "en") == "A tag cannot be merged into itself"


def test_register_messages_refuses_the_old_form_and_a_changed_text(isolated_catalogs):
    with pytest.raises(TypeError, match=r"English text.*register_catalog"):
        register_messages({"demo_old": {"zh": "旧", "en": "Old"}})
    register_messages({"demo_rule": N_("Demo rule")})
    register_messages({"demo_rule": N_("Demo rule")})  # again, the same: fine
    with pytest.raises(ValueError, match="already registered"):
        register_messages({"demo_rule": N_("Another text")})
    with pytest.raises(TypeError):
        register_messages({"demo_empty": ""})


# --- the maintenance tool itself ------------------------------------------------------------


def test_extraction_keywords(tmp_path):
    package = tmp_path / "kehu_x"
    (package / "templates" / "kehu_x").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent('''
        from kehu.i18n import N_, gettext, ngettext
        A = N_("marked")
        def f(lang, t, n, msgid):
            gettext(lang, "two arguments")
            t.gettext("one argument")
            ngettext(lang, "{n} apple", "{n} apples", n)
            t.ngettext("a pear", "pears", n)
            gettext(lang, msgid)  # not a literal: nothing to extract
            gettext(lang, TITLES.get(n, N_("nested")))
            gettext(lang, "Yes" if n else "No")
            # Translators: a note for the translator
            N_("with a note")
            return _("underscore " "joined")
    '''), encoding="utf-8")
    (package / "templates" / "kehu_x" / "page.html").write_text(
        '{{ _("In a template") }}{% trans name=x %}Hello {{ name }}{% endtrans %}{{ _(dynamic) }}\n'
        '{% if x %}\n  {{ gettext("Indented") }}\n{% endif %}\n', encoding="utf-8")
    found = i18n_tools.extract_messages(package)
    assert not found.errors
    assert {k[1] for k in found.messages} == {
        "marked", "two arguments", "one argument", "{n} apple", "a pear", "underscore joined", "In a template",
        "Hello %(name)s", "Indented", "nested", "Yes", "No", "with a note"}
    assert found.messages[(None, "{n} apple")].plural == "{n} apples"
    assert found.messages[(None, "with a note")].comments == ["a note for the translator"]

    (package / "templates" / "kehu_x" / "broken.html").write_text("{% if %}", encoding="utf-8")
    assert any("broken.html" in e for e in i18n_tools.extract_messages(package).errors)


@pytest.mark.parametrize(
    ("msgid", "translation", "problem"),
    [
        ("{label} is required", "{label}为必填项", None),
        ("{label} at most {max}", "{label}最多 {max:,}", None),
        ("{label} at most {max}", "{label}最多", "lacks {max}"),
        ("{label} is required", "{lable}为必填项", "lacks {label}; adds {lable}"),
        ("User %(name)s added", "已添加用户 %(name)s", None),
        ("User %(name)s added", "已添加用户", "lacks %(name)s"),
        ("100% sure", "百分之百", None),
        ("100%% of %(name)s", "%(name)s 的全部", None),
        ("%%(not_a_field)s", "%%(不是字段)s", None),
        ("Use {braces", "用 {括号", None),
    ],
)
def test_placeholder_check(msgid, translation, problem):
    assert i18n_tools.placeholder_problem(msgid, translation) == problem


CATALOG = '''# A header comment.
msgid ""
msgstr ""
"Language: zh_CN\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "b"
msgstr ""

# a translator's note
msgid "a"
msgstr "甲"

msgid "b"
msgstr "乙"

#, fuzzy
msgid "c {x}"
msgstr "丙 {x}"

msgid "{n} apple"
msgid_plural "{n} apples"
msgstr[0] "{n} 个苹果"
'''


def test_check_and_write_a_catalog(tmp_path):
    package = tmp_path / "kehu_y"
    package.mkdir()
    (package / "__init__.py").write_text('N_("a")\nN_("b")\nN_("d")\nngettext(lang, "{n} apple", "{n} apples", n)\n',
                                         encoding="utf-8")
    source = i18n_tools.source_for(package)
    source.catalog.parent.mkdir(parents=True)
    source.catalog.write_text(CATALOG, encoding="utf-8")

    result = i18n_tools.check(source)
    assert [f.msgid for f in result.missing] == ["d"]
    assert result.fuzzy == [(None, "c {x}")] and result.unused == [(None, "c {x}")]
    assert [d.key for d in result.duplicates] == [(None, "b")] and not result.duplicates[0].conflicting
    assert not result.untranslated and not result.placeholders and not result.ok
    assert "missing from the catalog (1)" in "\n".join(result.lines())

    assert "written" in i18n_tools.write(source)
    text = source.catalog.read_text(encoding="utf-8")
    assert text.startswith('# A header comment.\nmsgid ""\nmsgstr ""\n"Language: zh_CN\\n"')
    assert text.index('msgid "a"') < text.index('msgid "b"') < text.index('msgid "c {x}"') < text.index('"{n} apple"')
    assert text.count('msgid "b"') == 1 and 'msgstr "乙"' in text  # the translation wins over the empty entry
    assert '# a translator\'s note\nmsgid "a"\nmsgstr "甲"' in text
    assert '#, fuzzy\nmsgid "c {x}"' in text and 'msgstr[0] "{n} 个苹果"' in text
    again = i18n_tools.check(source)
    assert not again.duplicates and [f.msgid for f in again.missing] == ["d"]
    assert i18n_tools.write(source).endswith("already normal")


def test_write_leaves_two_different_translations_to_a_person(tmp_path):
    package = tmp_path / "kehu_z"
    package.mkdir()
    source = i18n_tools.source_for(package)
    source.catalog.parent.mkdir(parents=True)
    conflicting = CATALOG.replace('msgid "b"\nmsgstr ""', 'msgid "b"\nmsgstr "丁"')
    source.catalog.write_text(conflicting, encoding="utf-8")
    assert "not written" in i18n_tools.write(source)
    assert source.catalog.read_text(encoding="utf-8") == conflicting
    assert i18n_tools.check(source).duplicates[0].conflicting


def test_the_command_reports_and_exits_1_on_problems(tmp_path, capsys):
    package = tmp_path / "kehu_w"
    package.mkdir()
    (package / "__init__.py").write_text('N_("Only in the source")\n', encoding="utf-8")
    assert i18n_tools.main([str(package)]) == 1
    out = capsys.readouterr().out
    assert "no catalog" in out and '"Only in the source"' in out
