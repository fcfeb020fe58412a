"""User-facing messages keyed by rule name (SPEC A8: every rejection says why).

A rule maps to its English text, which is the gettext msgid; the Chinese (the default language)
is in the catalog `kehu/locale/zh_CN/LC_MESSAGES/kehu.po`.  `render(rule, lang, **params)`
translates through `kehu.i18n` and then fills the `str.format` fields; `{label}` is the field's
label in the same language.  `tests/test_i18n.py` checks that every msgid has a translation using
the same fields.

Plugins add their own rules with `register_messages({rule: N_("English text")})` and ship the
translations in their own catalog, registered with `kehu.i18n.register_catalog`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kehu.i18n import LANGUAGES, N_, gettext

__all__ = ["LANGUAGES", "MESSAGES", "Bilingual", "N_", "join", "pick_language", "register_messages", "render",
           "text"]

MESSAGES: dict[str, str] = {
    # whole requests
    "error": N_("The operation failed"),
    "validation_failed": N_("{count} problem(s) found; nothing was saved"),
    "not_found": N_("No such record"),
    "forbidden": N_("You are not allowed to do this"),
    "stale_version": N_("This record was changed by {by} at {at} (version {current}); "
                        "your edit was based on version {given} and was not saved. Reload and try again"),
    "conflict": N_("Conflicts with an existing record: {detail}"),
    "plugin_error": N_("Plugin problem: {detail}"),
    "bad_request": N_("Bad request: {detail}"),
    # field rules
    "required": N_("{label} is required"),
    "readonly": N_("{label} is set by the system and cannot be changed"),
    "unknown_field": N_("There is no field named \"{field}\""),
    "vague": N_("{label} cannot be a placeholder such as \"{value}\"; enter the actual information"),
    "too_long": N_("{label} must be at most {max} characters"),
    "not_text": N_("{label} must be text"),
    "invalid_date": N_("{label} must be a valid date written YYYY-MM-DD, e.g. 2024-05-01"),
    "invalid_datetime": N_("{label} must be a valid time written YYYY-MM-DD HH:MM, e.g. 2024-05-01 14:30"),
    "invalid_integer": N_("{label} must be a whole number"),
    "invalid_decimal": N_("{label} must be a number with at most two decimals"),
    "negative": N_("{label} cannot be negative"),
    "too_large": N_("{label} cannot exceed {max}"),
    "control_chars": N_("{label} contains invisible control characters"),
    "field_key_reserved": N_("The field key \"{field}\" is reserved; choose another"),
    "max_length_range": N_("The maximum length must be a whole number from 1 to {max}"),
    "validator_needs_text": N_("The check \"{validator}\" applies to text fields only"),
    "choice_value_required": N_("Every option needs a value"),
    "duplicate_choice": N_("The option \"{value}\" is listed twice"),
    "invalid_boolean": N_("{label} must be yes or no"),
    "invalid_choice": N_("{label} must be one of the preset options ({choices})"),
    "not_a_list": N_("{label} must be a list"),
    # identity (A3)
    "uscc_format": N_(
        "{label} must be an 18-character Unified Social Credit Code (digits and capital letters except I, O, Z, S, V)"
    ),
    "uscc_checksum": N_("{label} has a wrong check character (GB 32100); please check it"),
    "id_format": N_("{label} must be an 18-character resident ID number (17 digits and a digit or X)"),
    "id_checksum": N_("{label} has a wrong check character (GB 11643); please check it"),
    "id_birthdate": N_("{label} contains an invalid date of birth"),
    # contacts (A4)
    "mobile": N_("{label} must be an 11-digit mainland China mobile number"),
    "email": N_("{label} is not a valid e-mail address"),
    "im": N_("{label} is not a valid IM account (e.g. wechat:zhangwei_88)"),
    "real_name": N_("{label} must be a real name, not a nickname, a form of address or contain digits or symbols"),
    "contact_methods": N_(
        "A customer needs at least two valid contact methods (mobile, e-mail, IM); there are {count}"
    ),
    "contacts_required": N_("At least one contact is required"),
    "one_primary": N_("Exactly one contact must be primary; there are {count}"),
    "duplicate": N_("{label} \"{value}\" is already used by customer {code}"),
    "duplicate_hidden": N_("{label} is already used by another customer"),
    "unknown_user": N_("There is no active user named \"{value}\""),
    "unknown_department": N_("There is no department named \"{value}\""),
    "field_forbidden": N_("You may not change {label}"),
    # queries
    "invalid_conditions": N_("{count} problem(s) in the conditions"),
    "unknown_filter": N_("Cannot filter by \"{field}\""),
    "unknown_operator": N_("\"{field}\" does not support the condition \"{op}\""),
    "out_of_range": N_("{label} must be between {min} and {max}"),
    "unknown_sort": N_("Cannot sort by \"{field}\""),
    "bad_cursor": N_("Invalid page position; start again from the first page"),
    # admin
    "field_key": N_(
        "A field key may contain only lower-case letters, digits and underscores and must start with a letter"
    ),
    "field_exists": N_("The field \"{field}\" already exists"),
    "unknown_category": N_("There is no category named \"{category}\""),
    "unknown_validator": N_("There is no check named \"{validator}\""),
    "choices_required": N_("A choice field needs at least one option"),
    "plugin_unknown": N_("No plugin named \"{plugin}\" is installed"),
    "plugin_dependency_missing": N_("Plugin \"{plugin}\" depends on \"{dependency}\", which is not installed"),
    "plugin_dependency_disabled": N_(
        "Plugin \"{plugin}\" depends on \"{dependency}\", which is not enabled; enable it first"
    ),
    "plugin_cycle": N_("Plugins depend on each other in a cycle: {cycle}"),
    "plugin_needed_by": N_(
        "Plugin \"{plugin}\" is still needed by enabled plugin(s) {dependents}; disable those first"
    ),
}

# Translators: what goes between the items of a list ("A、B、C"); keep the spaces of the English.
LIST_SEPARATOR = N_(", ")


def register_messages(messages: Mapping[str, str]) -> None:
    """Add a plugin's rules, `{rule: english_msgid}` (keep rules prefixed with the plugin's name).

    The translations come from the plugin's catalog (`kehu.i18n.register_catalog`).  Registering
    a rule again with the same text is harmless; with another text it is refused.
    """
    for rule, msgid in messages.items():
        if isinstance(msgid, Mapping):
            raise TypeError(
                f"register_messages: message {rule!r} is a {{language: text}} dict; since kehu's gettext "
                "catalogs a rule maps to its English text (the msgid), e.g. {rule: N_(\"...\")}, and the "
                "Chinese goes in the plugin's zh_CN .po catalog, registered with "
                "kehu.i18n.register_catalog(Path(__file__).parent / \"locale\", \"<your package>\")"
            )
        if not isinstance(msgid, str) or not msgid.strip():
            raise TypeError(f"register_messages: message {rule!r} must be a non-empty English text, not {msgid!r}")
        known = MESSAGES.setdefault(rule, msgid)
        if known != msgid:
            raise ValueError(f"register_messages: rule {rule!r} is already registered as {known!r}")


def pick_language(accept_language: str | None) -> str:
    """'en' when the reader prefers English over Chinese, else 'zh' (the default language)."""
    if not accept_language:
        return "zh"
    best, best_q = "zh", -1.0
    for part in accept_language.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        lang = tag.strip().lower()[:2]
        if lang in LANGUAGES and weight > best_q:
            best, best_q = lang, weight
    return best


def text(rule: str, lang: str = "zh") -> str:
    """The unformatted text of `rule` in `lang` (an unknown rule reads as "error")."""
    msgid = MESSAGES.get(rule) or MESSAGES["error"]
    return gettext(lang, msgid)


def render(rule: str, lang: str = "zh", **params: Any) -> str:
    """The message of `rule` in `lang` ('zh' when unknown), its `{fields}` filled from `params`."""
    msgid = MESSAGES.get(rule) or MESSAGES["error"]
    translated = gettext(lang, msgid)
    # A field the caller did not pass stays as "{field}": say what can be said, never fail.
    values = _KeepMissing(params)
    for template in (translated, msgid):  # a broken translation falls back to the English
        try:
            return template.format_map(values)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            continue
    return translated


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Bilingual(Mapping[str, tuple[str, str]]):
    """`{key: english_msgid}` seen as `{key: (zh, en)}`, the Chinese read from the catalogs.

    For tables of fixed words (categories, operators) that callers index by language; the
    texts still live in one place, the catalog, and are looked up when read.
    """

    def __init__(self, msgids: Mapping[str, str]):
        self.msgids = msgids

    def __getitem__(self, key: str) -> tuple[str, str]:
        msgid = self.msgids[key]
        return gettext("zh", msgid), gettext("en", msgid)

    def __iter__(self) -> Iterator[str]:
        return iter(self.msgids)

    def __len__(self) -> int:
        return len(self.msgids)

    def label(self, key: str, lang: str = "zh") -> str:
        return gettext(lang, self.msgids[key])


def join(lang: str, items: Iterable[str]) -> str:
    """Items as a list in `lang`: "A、B" in Chinese, "A, B" in English."""
    return gettext(lang, LIST_SEPARATOR).join(items)
