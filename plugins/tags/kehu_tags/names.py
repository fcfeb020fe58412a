"""Tag name rules (SPEC B1): "dimension-value" such as 区域-华东, normalised, never vague.

`check(raw)` returns the canonical name or raises `kehu.validation.Invalid` with a rule of
`MESSAGES` (or a core rule such as "vague"), so every entry point — the customer form, the tag
API, the CLI — says the same thing in Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from kehu.i18n import N_
from kehu.validation import Invalid, check_not_vague

MAX_PART = 20  # characters of the dimension and of the value, each
SEPARATOR = "-"
# NFKC already turns the full-width hyphen "－" into "-"; dashes need mapping by hand.
_DASHES = str.maketrans({c: SEPARATOR for c in "－—–‐‑‒―−"})
# Words that classify nothing (SPEC B1: 重要 is discouraged), besides core's vague placeholders.
VAGUE_WORDS = frozenset({"重要", "一般", "其他", "其它", "待定", "未知", "测试", "xxx"})
_FILLER = re.compile(r"[xX*?？.。…_]+")  # xx, ***, ???, ...

# Rule → English msgid; the Chinese is in locale/zh_CN/LC_MESSAGES/kehu_tags.po.
MESSAGES: dict[str, str] = {
    "tags_format": N_("Tag \"{name}\" must be written \"dimension-value\", e.g. 区域-华东 (area-East China)"),
    "tags_part_too_long": N_("Tag \"{name}\": \"{part}\" is too long; "
                             "the dimension and the value are at most {max} characters each"),
    "tags_vague": N_("Tag \"{name}\": \"{part}\" is too vague; say what classifies the customer, "
                     "e.g. 状态-意向强烈 (status-strong intent)"),
    "tags_chars": N_("Tag \"{name}\" cannot contain commas or control characters"),
    "tags_exists": N_("A tag named \"{name}\" already exists"),
    "tags_merge_self": N_("A tag cannot be merged into itself"),
    "tags_not_allowed": N_("There is no tag \"{name}\" yet and you may not create tags; pick an existing one"),
    "tags_unknown": N_("There is no tag number {id}"),
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
