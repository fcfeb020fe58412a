"""`kehu export`: any customer list to a CSV or XLSX file (SPEC D4), as `kehu.exporting` writes it.

    kehu export --format xlsx --output 华东A类.xlsx grade=A area=east last_contact_date__gte=2024-01-01

Conditions are written like the API's query parameters (`key=value`, `key__op=value`; a key
given twice keeps both values) and checked by the same parser; refused ones are printed field
by field in the output language, exit status 2.  The command acts as the system user, or as
`--user USERNAME`, so permission scope and masked fields are those of that user.  The file is
written next to its final name and renamed when complete: a refused or failed export leaves no
half-written file behind (and an existing file untouched).  The file is readable by its owner
only (mode 0600): it holds customers' personal information.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from kehu.actors import load_actor
from kehu.cli.output import fail, field_error_lines
from kehu.cli.state import LANGS, State, _state
from kehu.errors import FieldError, ValidationFailed
from kehu.exporting import FORMATS, export_customers
from kehu.messages import render
from kehu.query import DEFAULT_SORT, parse_conditions
from kehu.timeutil import today


def condition_params(args: tuple[str, ...]) -> tuple[dict[str, Any], list[FieldError]]:
    """`key=value` arguments as the API's query parameters (repeated keys keep every value)."""
    params: dict[str, Any] = {}
    errors: list[FieldError] = []
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.strip()
        if not sep or not key:
            errors.append(FieldError(arg, "bad_request", {"detail": "key=value / key__op=value"}))
            continue
        if key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return params, errors


def _labels(app, errors: list[FieldError], lang: str) -> dict[str, str]:
    """Labels of what the errors name: a filter (`grade__in` → 客户等级) or a field."""
    labels = {}
    for e in errors:
        base = e.field.partition("__")[0]
        if base in app.filters:
            labels[e.field] = app.filters[base].label(lang)
        elif e.field in app.fields:
            labels[e.field] = app.fields[e.field].label(lang)
    return labels


def _refuse(state: State, exc: ValidationFailed) -> None:
    lines = [exc.message(state.lang),
             *field_error_lines(exc.errors, state.lang, _labels(state.app, exc.errors, state.lang))]
    fail("\n".join(lines))


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="csv（UTF-8，带 BOM，Excel 可直接打开）或 xlsx；默认按输出文件扩展名，否则 csv / "
                   "csv (UTF-8 with BOM, opens in Excel) or xlsx; default: from --output's extension, else csv.")
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help="表头和提示的语言 / Language of the header row and messages (overrides the global --lang).")
@click.option("--output", "-o", default=None, metavar="FILE",
              help="输出文件，“-”为标准输出；默认 customers-YYYYMMDD.csv / Output file, '-' for stdout; "
                   "default customers-YYYYMMDD.<format>.")
@click.option("--include-hidden", is_flag=True,
              help="包括停用和休眠客户（需要权限）/ Also inactive and dormant customers (needs the right, D5).")
@click.option("--sort", default=DEFAULT_SORT, show_default=True,
              help="排序字段，逗号分隔，“-”为降序 / Field keys, comma-separated; '-' descends.")
@click.option("--fields", "field_keys", default=None, metavar="KEY,KEY",
              help="只导出这些字段（客户编号总在第一列）/ Only these fields (the customer code always comes first).")
@click.option("--user", default=None, metavar="USERNAME",
              help="以该用户身份导出（其可见范围）/ Export as this user (what they may see); default the system user.")
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@click.pass_context
def export(ctx: click.Context, fmt: str | None, lang: str | None, output: str | None, include_hidden: bool,
           sort: str, field_keys: str | None, user: str | None, conditions: tuple[str, ...]) -> None:
    """导出客户列表 / Export the customers meeting all CONDITIONs (key=value, key__op=value) to CSV or XLSX."""
    state = _state(ctx)
    if lang:
        state.lang = lang
    if fmt is None:
        fmt = "xlsx" if output and output.lower().endswith(".xlsx") else "csv"
    app = state.app
    actor = app.system_actor
    if user:
        with app.db.read() as session:
            actor = load_actor(session, user)
        if actor is None:
            fail(render("unknown_user", state.lang, value=user))
    params, errors = condition_params(conditions)
    try:
        parsed = parse_conditions(app, params, actor)
    except ValidationFailed as exc:  # every problem at once: malformed arguments and refused ones
        errors += exc.errors
    if errors:
        _refuse(state, ValidationFailed(errors))
    fields = [k.strip() for k in field_keys.split(",") if k.strip()] if field_keys else None
    options = dict(fmt=fmt, lang=state.lang, sort=sort, include_hidden=include_hidden, fields=fields)

    if output == "-":
        count = _run(state, app, actor, parsed, options, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        click.echo(state.t(f"已导出 {count} 位客户。", f"Exported {count} customer(s)."), err=True)
        return
    path = Path(output or f"customers-{today():%Y%m%d}.{fmt}")
    if not path.parent.is_dir() or path.is_dir():
        fail(state.t(f"无法写入 {path}：目录不存在或该名称是目录",
                     f"Cannot write {path}: no such directory, or the name is a directory"))
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            count = _run(state, app, actor, parsed, options, out)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    click.echo(state.t(f"已导出 {count} 位客户到 {path}", f"Exported {count} customer(s) to {path}"))


def _run(state: State, app, actor, conditions, options: dict[str, Any], out) -> int:
    try:
        return export_customers(app, actor, conditions, out=out, **options)
    except ValidationFailed as exc:  # a bad sort or field key, with labels like the conditions'
        _refuse(state, exc)
        raise  # not reached: _refuse exits with status 2
