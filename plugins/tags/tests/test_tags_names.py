"""Tag name rules (SPEC B1): "dimension-value", normalised, no vague words — a table of cases."""

from __future__ import annotations

import string

import pytest

from kehu.i18n import gettext
from kehu.messages import MESSAGES, render
from kehu.validation import Invalid
from kehu_tags import names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("区域-华东", "区域-华东"),
        ("状态-意向强烈", "状态-意向强烈"),
        ("  区域 - 华东  ", "区域-华东"),  # spaces around the parts
        ("区域－华东", "区域-华东"),  # full-width hyphen
        ("区域—华东", "区域-华东"),  # em dash
        ("区域–华东", "区域-华东"),  # en dash
        ("ＶＩＰ-Ａ级", "VIP-A级"),  # full-width letters (NFKC)
        ("合作  阶段-长期   合作", "合作 阶段-长期 合作"),  # runs of spaces
        ("规模-100-499人", "规模-100-499人"),  # the dimension ends at the first "-"
        ("区" * 20 + "-" + "东" * 20, "区" * 20 + "-" + "东" * 20),  # 20 characters each is fine
    ],
)
def test_valid_names_are_normalised(raw, expected):
    assert names.check(raw) == expected


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("华东", "tags_format"),  # no dimension
        ("-华东", "tags_format"),
        ("区域-", "tags_format"),
        ("区域 - ", "tags_format"),
        ("", "required"),
        ("   ", "required"),
        (123, "not_text"),
        ("区域-" + "东" * 21, "tags_part_too_long"),
        ("区" * 21 + "-华东", "tags_part_too_long"),
        ("客户-重要", "tags_vague"),
        ("重要-客户", "tags_vague"),
        ("客户-一般", "tags_vague"),
        ("行业-其他", "tags_vague"),
        ("状态-待定", "tags_vague"),
        ("来源-未知", "tags_vague"),
        ("类型-测试", "tags_vague"),
        ("类型-xxx", "tags_vague"),
        ("类型-XXX", "tags_vague"),
        ("类型-???", "tags_vague"),
        ("状态-待确认", "tags_vague"),  # core's vague placeholders too
        ("状态-暂无", "tags_vague"),
        ("区域-华东,华南", "tags_chars"),  # a comma would split a filter value
        ("区域-华东，华南", "tags_chars"),  # full-width comma (NFKC makes it ",")
        ("区域-华\x00东", "tags_chars"),
    ],
)
def test_bad_names_are_refused_with_a_rule(raw, rule):
    with pytest.raises(Invalid) as caught:
        names.check(raw)
    assert caught.value.rule == rule


def test_dimension_is_the_part_before_the_first_hyphen():
    assert names.dimension_of("规模-100-499人") == "规模"
    assert names.dimension_of(names.check("区域－华东")) == "区域"


def test_messages_are_registered_and_translated_with_the_same_fields():
    import kehu_tags  # noqa: F401  (registers the messages and the plugin's catalog)

    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
    assert names.MESSAGES, "no messages"
    for rule, msgid in names.MESSAGES.items():
        assert rule.startswith("tags_")
        assert MESSAGES[rule] == msgid
        zh = gettext("zh", msgid)
        assert zh != msgid, f"{rule}: no zh_CN translation in kehu_tags.po"
        assert fields(zh) == fields(msgid), rule


def test_a_refusal_reads_well_in_both_languages():
    import kehu_tags  # noqa: F401

    with pytest.raises(Invalid) as caught:
        names.check("客户-重要")
    zh = render(caught.value.rule, "zh", **caught.value.params)
    en = render(caught.value.rule, "en", **caught.value.params)
    assert "客户-重要" in zh and "笼统" in zh
    assert "客户-重要" in en and "vague" in en
