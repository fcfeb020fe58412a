"""`kehu fields list|add|retire`: every field, and admin-defined custom fields (SPEC A7)."""

from __future__ import annotations

import click

from kehu.cli.output import fail, field_error_lines, table
from kehu.cli.state import LANGS, State, _state
from kehu.errors import NotFound, ValidationFailed
from kehu.fields import CATEGORIES, CUSTOMER_TYPES

lang_option = click.option("--lang", type=click.Choice(LANGS), default=None,
                           help="输出语言 / Output language (overrides the global --lang).")


def _lang(ctx: click.Context, lang: str | None) -> State:
    state = _state(ctx)
    if lang:
        state.lang = lang
    return state


@click.group()
def fields() -> None:
    """查看和管理字段 / List fields, add and retire custom fields."""


def _flags(f, state: State) -> str:
    type_names = {"enterprise": ("企业", "enterprise"), "individual": ("个人", "individual"),
                  "institution": ("机构", "institution")}
    flags = []
    if f.required_for:
        kinds = "/".join(state.t(*type_names[t]) for t in CUSTOMER_TYPES if t in f.required_for)
        flags.append(state.t(f"必填({kinds})", f"required({kinds})"))
    for on, zh, en in ((f.readonly, "只读", "readonly"), (f.filterable, "可筛选", "filter"),
                       (f.listed, "列表", "list"), (f.searchable, "可搜索", "search"),
                       (bool(f.key_info_for), "关键信息", "key-info"), (str(f.sensitivity) != "none", "敏感", "sensitive")):
        if on:
            flags.append(state.t(zh, en))
    return ", ".join(flags)


@fields.command("list")
@lang_option
@click.pass_context
def fields_list(ctx: click.Context, lang: str | None) -> None:
    """列出全部字段 / List every field (core, plugins, custom)."""
    state = _lang(ctx, lang)
    rows = []
    for f in state.app.fields:
        category = CATEGORIES[f.category][1 if state.lang == "en" else 0]
        rows.append((f.key, f.label(state.lang), str(f.type), category, f.plugin, _flags(f, state)))
    headers = state.t("字段 名称 类型 分类 来源 特性", "key label type category plugin flags").split()
    click.echo(table(headers, rows))


ADD_OPTIONS = {  # field of kehu.customfields.add_field -> (option shown, label zh, label en)
    "key": ("KEY", "字段代码", "Key"),
    "label_zh": ("--label-zh", "中文名称", "Chinese label"),
    "label_en": ("--label-en", "英文名称", "English label"),
    "type": ("--type", "类型", "Type"),
    "category": ("--category", "分类", "Category"),
    "subcategory": ("--subcategory", "二级分类", "Subcategory"),
    "required_for": ("--required-for", "必填客户类型", "Required for"),
    "validators": ("--validator", "校验规则", "Validator"),
    "choices": ("--choice", "选项", "Choices"),
}


@fields.command("add")
@click.argument("key")
@click.option("--label-zh", default="", help="中文名称 / Chinese label.")
@click.option("--label-en", default="", help="英文名称 / English label.")
@click.option("--type", "type_", default="text", show_default=True,
              help="text, longtext, integer, decimal, date, datetime, boolean, enum, multi_enum")
@click.option("--category", default="", help="basic | contact | business | interactions | preferences")
@click.option("--subcategory", default=None, help="二级分类 / Second-level category key.")
@click.option("--choice", "choices", multiple=True, metavar="VALUE:中文:English",
              help="选项（可多次）/ A choice (repeatable).")
@click.option("--required-for", multiple=True, metavar="TYPE",
              help="必填的客户类型（可多次）/ Customer type that must fill it (repeatable).")
@click.option("--validator", "validators", multiple=True, help="校验规则，如 mobile / A check, e.g. mobile.")
@click.option("--max-length", type=int, default=None, help="最大长度 / Maximum length.")
@click.option("--listed", is_flag=True, help="在列表中显示 / Show in lists.")
@click.option("--filterable/--no-filterable", default=True, help="可筛选 / Can be filtered on.")
@click.option("--searchable", is_flag=True, help="可搜索 / Searchable.")
@lang_option
@click.pass_context
def fields_add(ctx: click.Context, key: str, label_zh: str, label_en: str, type_: str, category: str,
               subcategory: str | None, choices: tuple[str, ...], required_for: tuple[str, ...],
               validators: tuple[str, ...], max_length: int | None, listed: bool, filterable: bool,
               searchable: bool, lang: str | None) -> None:
    """添加自定义字段 / Add a custom field (no code needed)."""
    from kehu import customfields

    state = _lang(ctx, lang)
    app = state.app
    data = {
        "key": key, "label_zh": label_zh, "label_en": label_en, "type": type_, "category": category,
        "subcategory": subcategory, "choices": list(choices), "required_for": list(required_for),
        "validators": list(validators), "max_length": max_length, "listed": listed,
        "filterable": filterable, "searchable": searchable,
    }
    try:
        f = customfields.add_field(app, app.system_actor, data)
    except ValidationFailed as exc:
        labels = {k: state.t(zh, en) for k, (_, zh, en) in ADD_OPTIONS.items()}
        names = {k: option for k, (option, _, _) in ADD_OPTIONS.items()}
        lines = [exc.message(state.lang), *field_error_lines(exc.errors, state.lang, labels, names)]
        fail("\n".join(lines))
    click.echo(state.t(f"已添加字段 {f.key}（{f.label_zh}），分类：{CATEGORIES[f.category][0]}。",
                       f"Added field {f.key} ({f.label_en}) to {CATEGORIES[f.category][1]}."))


@fields.command("retire")
@click.argument("key")
@lang_option
@click.pass_context
def fields_retire(ctx: click.Context, key: str, lang: str | None) -> None:
    """停用自定义字段（保留已有数据）/ Retire a custom field (values and history stay)."""
    from kehu import customfields

    state = _lang(ctx, lang)
    app = state.app
    try:
        customfields.retire_field(app, app.system_actor, key)
    except NotFound:
        fail(state.t(f"没有名为“{key}”的在用自定义字段（核心和插件字段不能停用）。",
                     f"There is no active custom field {key!r} (core and plugin fields cannot be retired)."))
    click.echo(state.t(f"已停用字段 {key}，已有数据和历史记录保留。",
                       f"Retired field {key}; existing values and history are kept."))

