"""Tag name rules (SPEC B1): "dimension-value" such as 区域-华东, normalised, never vague.

`check(raw)` returns the canonical name or raises `kehu.validation.Invalid` with a rule of
`MESSAGES` (or a core rule such as "vague"), so every entry point — the customer form, the tag
API, the CLI — says the same thing in Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from kehu.validation import Invalid, check_not_vague

MAX_PART = 20  # characters of the dimension and of the value, each
SEPARATOR = "-"
# NFKC already turns the full-width hyphen "－" into "-"; dashes need mapping by hand.
_DASHES = str.maketrans({c: SEPARATOR for c in "－—–‐‑‒―−"})
# Words that classify nothing (SPEC B1: 重要 is discouraged), besides core's vague placeholders.
VAGUE_WORDS = frozenset({"重要", "一般", "其他", "其它", "待定", "未知", "测试", "xxx"})
_FILLER = re.compile(r"[xX*?？.。…_]+")  # xx, ***, ???, ...

MESSAGES: dict[str, dict[str, str]] = {
    "tags_format": {
        "zh": "标签“{name}”应写成“维度-取值”，例如 区域-华东、状态-意向强烈",
        "en": "Tag \"{name}\" must be written \"dimension-value\", e.g. 区域-华东 (area-East China)",
    },
    "tags_part_too_long": {
        "zh": "标签“{name}”中的“{part}”过长：维度和取值各最多 {max} 个字符",
        "en": "Tag \"{name}\": \"{part}\" is too long; the dimension and the value are at most {max} characters each",
    },
    "tags_vague": {
        "zh": "标签“{name}”中的“{part}”过于笼统，请用说明分类依据的词，例如 状态-意向强烈",
        "en": "Tag \"{name}\": \"{part}\" is too vague; say what classifies the customer, "
              "e.g. 状态-意向强烈 (status-strong intent)",
    },
    "tags_chars": {
        "zh": "标签“{name}”不能包含逗号或控制字符",
        "en": "Tag \"{name}\" cannot contain commas or control characters",
    },
    "tags_exists": {
        "zh": "已有名为“{name}”的标签",
        "en": "A tag named \"{name}\" already exists",
    },
    "tags_merge_self": {
        "zh": "不能把标签合并到它自己",
        "en": "A tag cannot be merged into itself",
    },
    "tags_not_allowed": {
        "zh": "还没有标签“{name}”，您无权新建标签，请从已有标签中选择",
        "en": "There is no tag \"{name}\" yet and you may not create tags; pick an existing one",
    },
    "tags_unknown": {
        "zh": "没有编号为 {id} 的标签",
        "en": "There is no tag number {id}",
    },
}


def normalise(raw: str) -> str:
    """NFKC, dashes to "-", runs of spaces to one, no spaces around the first "-"."""
    text = " ".join(unicodedata.normalize("NFKC", raw).translate(_DASHES).split())
    dimension, sep, value = text.partition(SEPARATOR)
    return f"{dimension.strip()}{sep}{value.strip()}" if sep else text


def dimension_of(name: str) -> str:
    """The part before the first "-": 区域-华东 → 区域 (tags are grouped by it)."""
    return name.partition(SEPARATOR)[0]


def _vague(part: str) -> bool:
    if part.lower() in VAGUE_WORDS or _FILLER.fullmatch(part):
        return True
    try:
        check_not_vague(part)
    except Invalid:
        return True
    return False


def check(raw: Any) -> str:
    """The canonical form of tag name `raw`; raises `Invalid` when it breaks a rule."""
    if not isinstance(raw, str):
        raise Invalid("not_text")
    name = normalise(raw)
    if not name:
        raise Invalid("required")
    if "," in name or any(unicodedata.category(c)[0] == "C" for c in name):
        raise Invalid("tags_chars", name=name)
    dimension, sep, value = name.partition(SEPARATOR)
    if not (sep and dimension and value):
        raise Invalid("tags_format", name=name)
    for part in (dimension, value):
        if len(part) > MAX_PART:
            raise Invalid("tags_part_too_long", name=name, part=part, max=MAX_PART)
    for part in (dimension, value):
        if _vague(part):
            raise Invalid("tags_vague", name=name, part=part)
    return name
