"""User-facing messages in zh-CN and en, keyed by rule name (SPEC A8: every rejection says why).

Templates use `str.format` fields; `{label}` is the field's label in the same language.  A test
checks that every rule has both languages and that each language uses the same fields.
Plugins add their own rules with `register_messages`.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # whole requests
    "error": {"zh": "操作失败", "en": "The operation failed"},
    "validation_failed": {"zh": "有 {count} 处填写有误，未保存任何内容", "en": "{count} problem(s) found; nothing was saved"},
    "not_found": {"zh": "找不到该记录", "en": "No such record"},
    "forbidden": {"zh": "您无权执行此操作", "en": "You are not allowed to do this"},
    "stale_version": {
        "zh": "该记录已被 {by} 于 {at} 修改（版本 {current}），您的修改基于版本 {given}，未覆盖。请刷新后重试",
        "en": "This record was changed by {by} at {at} (version {current}); your edit was based on version {given} and was not saved. Reload and try again",
    },
    "conflict": {"zh": "与现有记录冲突：{detail}", "en": "Conflicts with an existing record: {detail}"},
    "plugin_error": {"zh": "插件问题：{detail}", "en": "Plugin problem: {detail}"},
    "bad_request": {"zh": "请求有误：{detail}", "en": "Bad request: {detail}"},
    # field rules
    "required": {"zh": "{label}为必填项", "en": "{label} is required"},
    "readonly": {"zh": "{label}由系统生成，不能修改", "en": "{label} is set by the system and cannot be changed"},
    "unknown_field": {"zh": "没有名为“{field}”的字段", "en": "There is no field named \"{field}\""},
    "vague": {"zh": "{label}不能填写“{value}”这类含糊内容，请填写准确信息", "en": "{label} cannot be a placeholder such as \"{value}\"; enter the actual information"},
    "too_long": {"zh": "{label}最多 {max} 个字符", "en": "{label} must be at most {max} characters"},
    "not_text": {"zh": "{label}应为文字", "en": "{label} must be text"},
    "invalid_date": {"zh": "{label}应为 YYYY-MM-DD 格式的有效日期，例如 2024-05-01", "en": "{label} must be a valid date written YYYY-MM-DD, e.g. 2024-05-01"},
    "invalid_datetime": {"zh": "{label}应为 YYYY-MM-DD HH:MM 格式的有效时间，例如 2024-05-01 14:30", "en": "{label} must be a valid time written YYYY-MM-DD HH:MM, e.g. 2024-05-01 14:30"},
    "invalid_integer": {"zh": "{label}应为整数", "en": "{label} must be a whole number"},
    "invalid_decimal": {"zh": "{label}应为数字，最多两位小数", "en": "{label} must be a number with at most two decimals"},
    "negative": {"zh": "{label}不能为负数", "en": "{label} cannot be negative"},
    "too_large": {"zh": "{label}不能超过 {max}", "en": "{label} cannot exceed {max}"},
    "control_chars": {"zh": "{label}含有不可见的控制字符", "en": "{label} contains invisible control characters"},
    "field_key_reserved": {"zh": "字段代码“{field}”已被系统占用，请换一个", "en": "The field key \"{field}\" is reserved; choose another"},
    "max_length_range": {"zh": "最大长度应为 1 到 {max} 之间的整数", "en": "The maximum length must be a whole number from 1 to {max}"},
    "validator_needs_text": {"zh": "校验规则“{validator}”只能用于文本字段", "en": "The check \"{validator}\" applies to text fields only"},
    "choice_value_required": {"zh": "每个选项都需要填写代码", "en": "Every option needs a value"},
    "duplicate_choice": {"zh": "选项“{value}”重复", "en": "The option \"{value}\" is listed twice"},
    "invalid_boolean": {"zh": "{label}应为“是”或“否”", "en": "{label} must be yes or no"},
    "invalid_choice": {"zh": "{label}只能从预设选项中选择（{choices}）", "en": "{label} must be one of the preset options ({choices})"},
    "not_a_list": {"zh": "{label}应为多选列表", "en": "{label} must be a list"},
    # identity (A3)
    "uscc_format": {"zh": "{label}应为 18 位统一社会信用代码（数字和大写字母，不含 I、O、Z、S、V）", "en": "{label} must be an 18-character Unified Social Credit Code (digits and capital letters except I, O, Z, S, V)"},
    "uscc_checksum": {"zh": "{label}校验位错误（GB 32100），请核对", "en": "{label} has a wrong check character (GB 32100); please check it"},
    "id_format": {"zh": "{label}应为 18 位居民身份证号码（17 位数字加 1 位数字或 X）", "en": "{label} must be an 18-character resident ID number (17 digits and a digit or X)"},
    "id_checksum": {"zh": "{label}校验位错误（GB 11643），请核对", "en": "{label} has a wrong check character (GB 11643); please check it"},
    "id_birthdate": {"zh": "{label}中的出生日期无效", "en": "{label} contains an invalid date of birth"},
    # contacts (A4)
    "mobile": {"zh": "{label}应为 11 位中国大陆手机号码", "en": "{label} must be an 11-digit mainland China mobile number"},
    "email": {"zh": "{label}不是有效的电子邮箱地址", "en": "{label} is not a valid e-mail address"},
    "im": {"zh": "{label}格式不正确（例如 微信:zhangwei_88）", "en": "{label} is not a valid IM account (e.g. wechat:zhangwei_88)"},
    "real_name": {"zh": "{label}应为真实姓名，不能是昵称、称呼或含数字符号", "en": "{label} must be a real name, not a nickname, a form of address or contain digits or symbols"},
    "contact_methods": {"zh": "客户至少需要两种有效联系方式（手机、邮箱、即时通讯），目前只有 {count} 种", "en": "A customer needs at least two valid contact methods (mobile, e-mail, IM); there are {count}"},
    "contacts_required": {"zh": "至少需要一位联系人", "en": "At least one contact is required"},
    "one_primary": {"zh": "必须有且只有一位主要联系人，目前有 {count} 位", "en": "Exactly one contact must be primary; there are {count}"},
    "duplicate": {"zh": "{label}“{value}”已被客户 {code} 使用", "en": "{label} \"{value}\" is already used by customer {code}"},
    "duplicate_hidden": {"zh": "{label}已被其他客户使用", "en": "{label} is already used by another customer"},
    "unknown_user": {"zh": "没有用户名为“{value}”的在职用户", "en": "There is no active user named \"{value}\""},
    "unknown_department": {"zh": "没有名为“{value}”的部门", "en": "There is no department named \"{value}\""},
    "field_forbidden": {"zh": "您无权修改{label}", "en": "You may not change {label}"},
    # queries
    "invalid_conditions": {"zh": "有 {count} 个筛选条件有误", "en": "{count} problem(s) in the conditions"},
    "unknown_filter": {"zh": "无法按“{field}”筛选", "en": "Cannot filter by \"{field}\""},
    "unknown_operator": {"zh": "“{field}”不支持条件“{op}”", "en": "\"{field}\" does not support the condition \"{op}\""},
    "out_of_range": {"zh": "{label}超出允许范围（{min}–{max}）", "en": "{label} must be between {min} and {max}"},
    "unknown_sort": {"zh": "无法按“{field}”排序", "en": "Cannot sort by \"{field}\""},
    "bad_cursor": {"zh": "分页位置无效，请从第一页重新开始", "en": "Invalid page position; start again from the first page"},
    # admin
    "field_key": {"zh": "字段代码只能包含小写字母、数字和下划线，并以字母开头", "en": "A field key may contain only lower-case letters, digits and underscores and must start with a letter"},
    "field_exists": {"zh": "字段“{field}”已存在", "en": "The field \"{field}\" already exists"},
    "unknown_category": {"zh": "没有名为“{category}”的分类", "en": "There is no category named \"{category}\""},
    "unknown_validator": {"zh": "没有名为“{validator}”的校验规则", "en": "There is no check named \"{validator}\""},
    "choices_required": {"zh": "选项类字段至少需要一个选项", "en": "A choice field needs at least one option"},
    "plugin_unknown": {"zh": "没有安装名为“{plugin}”的插件", "en": "No plugin named \"{plugin}\" is installed"},
    "plugin_dependency_missing": {"zh": "插件“{plugin}”依赖“{dependency}”，但后者未安装", "en": "Plugin \"{plugin}\" depends on \"{dependency}\", which is not installed"},
    "plugin_dependency_disabled": {"zh": "插件“{plugin}”依赖“{dependency}”，但后者未启用，请先启用它", "en": "Plugin \"{plugin}\" depends on \"{dependency}\", which is not enabled; enable it first"},
    "plugin_cycle": {"zh": "插件之间存在循环依赖：{cycle}", "en": "Plugins depend on each other in a cycle: {cycle}"},
    "plugin_needed_by": {"zh": "插件“{plugin}”仍被已启用的插件 {dependents} 依赖，请先停用它们", "en": "Plugin \"{plugin}\" is still needed by enabled plugin(s) {dependents}; disable those first"},
}


def register_messages(messages: dict[str, dict[str, str]]) -> None:
    """Add a plugin's rules (keep them prefixed with the plugin's name)."""
    for rule, texts in messages.items():
        if set(texts) != set(LANGUAGES):
            raise ValueError(f"message {rule!r} must have exactly {LANGUAGES}")
        MESSAGES.setdefault(rule, texts)


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


def render(rule: str, lang: str = "zh", **params: Any) -> str:
    texts = MESSAGES.get(rule) or MESSAGES["error"]
    template = texts.get(lang) or texts["zh"]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
