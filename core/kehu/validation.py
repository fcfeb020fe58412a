"""Atomic value checks behind kehu's field definitions (SPEC A3 identity, A4 contacts, A8 entry rules).

Each checker takes one already-stripped string and returns its normalised form or raises
`Invalid(rule, **params)`, where `rule` is a key of `kehu.messages.MESSAGES` (the caller adds
`{label}`).  Check characters and phone numbering plans are delegated to python-stdnum (GB 32100,
GB 11643), phonenumbers (the CN numbering plan, which changes as new prefixes open) and
email-validator (RFC 5322 / IDNA syntax): maintained libraries with their own test suites are
safer than hand-written copies.  Where a library accepts more than the SPEC allows (vanity
letters and extensions in phone numbers, region-code history in ID numbers) that is noted below.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from kehu.timeutil import today


class Invalid(Exception):
    def __init__(self, rule: str, **params):
        super().__init__(rule)
        self.rule = rule
        self.params = params


# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, as typed with a Chinese IME.
# Only these are folded, not all of NFKC, so "①号楼" or "100㎡" in free text survive intact.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: " "}
# Invisible characters that spreadsheets and chat apps paste in (BOM, zero-width space).
_INVISIBLE = {0x200B: None, 0x2060: None, 0xFEFF: None}
_BLANKS = re.compile(r"\s+")
_LINE_BLANKS = re.compile(r"[^\S\n]+")


def normalize_text(value: str, multiline: bool = False) -> str:
    """Half-width ASCII, NFC, stripped, inner whitespace runs collapsed to one space.

    With `multiline=True` line breaks survive (long text), only runs of other blanks collapse.
    """
    text = unicodedata.normalize("NFC", value.translate(_HALF_WIDTH).translate(_INVISIBLE))
    if multiline:
        lines = _LINE_BLANKS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in lines)).strip()
    else:
        text = _BLANKS.sub(" ", text).strip()
    _check_no_control_chars(text)
    return text


# Blanks (tab, line breaks, ...) are folded into spaces above, so what is left of Unicode
# category C is never wanted: NUL (which PostgreSQL refuses in text), other C0/C1 controls,
# lone surrogates (not encodable as UTF-8) and format characters such as bidi overrides.
# Kept: "\n" in long text, ZWNJ/ZWJ (emoji sequences, some scripts), and private-use (Co) and
# unassigned (Cn) code points: IMEs map rare name characters to the PUA (GB 18030), and new
# emoji may be newer than this Python's Unicode tables.
_ALLOWED_FORMAT = {"\n", "\u200c", "\u200d"}


def _check_no_control_chars(text: str) -> None:
    for ch in text:
        if ch not in _ALLOWED_FORMAT and unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            raise Invalid("control_chars")


# --- identity (A3) ------------------------------------------------------------------------------

# GB 32100 registration authorities written as letters (A 中央军委改革和编制办公室, N 农业 for
# rural collective economic organisations, Y 其他); stdnum 2.x insists on 8 leading digits.
_USCC_LETTER_AUTHORITY = re.compile(r"^[ANY][1-9]\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def check_uscc(value: str) -> str:
    number = uscc.compact(normalize_text(value))  # upper-cases, drops spaces and hyphens
    try:
        return uscc.validate(number)
    except InvalidChecksum:
        raise Invalid("uscc_checksum") from None
    except ValidationError:
        if not _USCC_LETTER_AUTHORITY.match(number):
            raise Invalid("uscc_format") from None
    # Same GB 32100 check character, computed by stdnum itself.
    if number[-1] != uscc.calc_check_digit(number):
        raise Invalid("uscc_checksum")
    return number


def check_resident_id(value: str) -> str:
    number = ric.compact(re.sub(r"[\s-]", "", normalize_text(value)))  # upper-cases the x
    # Not ric.validate(): it also rejects region codes newer than the birth year (e.g. Chongqing
    # 500xxx for anyone born before 1997, Pudong 310115 before 1992), yet such IDs are common.
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise Invalid("id_format")  # 15-digit pre-1999 numbers included
    if number[-1] != ric.calc_check_digit(number):
        raise Invalid("id_checksum")
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        raise Invalid("id_birthdate") from None
    if born.year < 1870 or born > today():  # 1870: older than anyone alive, so a typo
        raise Invalid("id_birthdate")
    return number


# --- contacts (A4) ------------------------------------------------------------------------------

# phonenumbers reads letters as keypad digits ("1380000ABCD"), takes extensions ("#12", "ext 12")
# and a trunk 0 ("013812345678"), so the raw shape is checked first.
_PHONE_SHAPE = re.compile(r"^\(?\+?[\d\s()\-]+$")
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def check_mobile(value: str) -> str:
    text = normalize_text(value)
    digits = re.sub(r"\D", "", text)
    if not _PHONE_SHAPE.match(text) or not re.fullmatch(r"(?:0086|86)?1\d{10}", digits):
        raise Invalid("mobile")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise Invalid("mobile") from None
    national = str(number.national_number)
    kind = phonenumbers.number_type(number)
    if number.country_code != 86 or kind not in _MOBILE_TYPES or not re.fullmatch(r"1\d{10}", national):
        raise Invalid("mobile")
    if not phonenumbers.is_valid_number(number):  # an unallocated range, e.g. 100xxxxxxxx
        raise Invalid("mobile")
    return national


def check_email(value: str) -> str:
    try:
        # Syntax only: no DNS lookups while saving a record (and none in tests).
        return validate_email(normalize_text(value), check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid("email") from None


_IM = re.compile(
    r"^(?:(?P<app>[A-Za-z\u4e00-\u9fff]{1,12})\s*:\s*(?P<account>[\w.@\-]{3,64})"
    r"|(?P<bare>[\w.@\-]{5,64}))$",
    re.ASCII,  # \w is [A-Za-z0-9_] only; the app name lists CJK explicitly
)


def check_im(value: str) -> str:
    match = _IM.match(normalize_text(value))  # "：" is already ":" after normalize_text
    if not match:
        raise Invalid("im")
    account = match["account"] or match["bare"]
    if not re.search(r"[A-Za-z0-9]", account):
        raise Invalid("im")
    return f"{match['app']}:{account}" if match["app"] else account


# CJK unified ideographs (basic, Ext A, Ext B-G) and 〇, which does occur in given names.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_CHINESE_NAME = re.compile(f"^[{_CJK}]+(?:·[{_CJK}]+)*$")
_NAME_DOTS = re.compile(r"\s*[·•‧・･.]\s*")  # IMEs produce several "middle dots"
# A4 "no nicknames": Chinese forms of address that people type instead of the name, e.g. 张总,
# 王经理, 李先生.  Two-character 小X / 老X / 阿X and 丽丽-style doubles are checked in code.
NAME_ADDRESS_SUFFIXES = ("总", "经理", "先生", "女士", "小姐", "老师", "哥", "姐", "老板", "师傅", "阿姨", "同学", "总监", "主任")


def check_real_name(value: str) -> str:
    name = normalize_text(value)
    if re.search(f"[{_CJK}]", name):
        # "张　伟" (spaced to line up with three-character names) is still 张伟.
        name = _NAME_DOTS.sub("·", re.sub(r"\s", "", name))
        size = len(name.replace("·", ""))
        if not _CHINESE_NAME.match(name) or not 2 <= size <= 20:
            raise Invalid("real_name")
        if len(name) == 2 and (name[0] in "小老阿" or name[0] == name[1]):
            raise Invalid("real_name")
        if name.endswith(NAME_ADDRESS_SUFFIXES):
            raise Invalid("real_name")
        return name
    # Latin (or other alphabetic) names: letters and the joiners of "Mary-Jane O'Neil Jr.".
    letters = sum(ch.isalpha() for ch in name)
    if not 2 <= len(name) <= 100 or letters < 2 or any(not ch.isalpha() and ch not in " -'’." for ch in name):
        raise Invalid("real_name")
    return name


# --- entry rules (A8) ---------------------------------------------------------------------------

# Placeholders people type when they do not know the answer; matched whole, case-insensitively,
# after normalize_text and trimming surrounding punctuation ("未知。" is "未知").
VAGUE_PLACEHOLDERS = frozenset({
    "待确认", "待定", "未知", "不详", "暂无", "无", "不清楚", "不知道", "待补充", "待查", "空", "略",
    "同上", "见备注", "N/A", "NA", "null", "none", "unknown", "TBD", "TBC",
    "-", "--", "?", "？", "...", "。。。", "xxx", "000",
})
_VAGUE_KEYS = frozenset(normalize_text(p).lower() for p in VAGUE_PLACEHOLDERS)
_FILLER = re.compile(r"^(?:x{2,}|0{2,})$")  # "xxxx", "0000"; ?*- runs are all punctuation


def _is_punctuation(ch: str) -> bool:
    # Punctuation and maths/currency/modifier symbols; not "So", so emoji are left to other checks.
    category = unicodedata.category(ch)
    return ch.isspace() or category.startswith("P") or category in ("Sm", "Sc", "Sk")


def check_not_vague(value: str, multiline: bool = False) -> str:
    text = core = normalize_text(value, multiline=multiline)  # long text keeps its line breaks
    while core and _is_punctuation(core[0]):
        core = core[1:]
    while core and _is_punctuation(core[-1]):
        core = core[:-1]
    core = core.lower()
    if text and (not core or _FILLER.match(core) or {core, core.replace(" ", "")} & _VAGUE_KEYS):
        raise Invalid("vague", value=text)
    return text


def parse_date(value: str | date) -> date:
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    text = normalize_text(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        raise Invalid("invalid_date")
    try:
        return _in_range(date.fromisoformat(text))
    except ValueError:
        raise Invalid("invalid_date") from None


# Dates a customer record can sensibly hold; outside this range it is a typo ("0202-05-01").
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)


def _in_range(value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise Invalid("invalid_date")
    return value


def parse_datetime(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    text = normalize_text(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text, re.ASCII):
        raise Invalid("invalid_datetime")
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        raise Invalid("invalid_datetime") from None


# The names that field definitions (and admin-defined custom fields) may list as validators.
VALIDATORS: dict[str, Callable[[str], str]] = {
    "uscc": check_uscc, "resident_id": check_resident_id, "mobile": check_mobile, "email": check_email,
    "im": check_im, "real_name": check_real_name, "not_vague": check_not_vague,
}
