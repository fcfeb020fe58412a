"""Printing for the `kehu` command: tables that line up Chinese text, one-line errors."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from kehu.cli.state import State, safe_url
from kehu.errors import FieldError, KehuError, ValidationFailed


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table whose columns line up with Chinese text too."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(code)


def field_error_lines(errors: Sequence[FieldError], lang: str, labels: dict[str, str] | None = None,
                      names: dict[str, str] | None = None) -> list[str]:
    """One line per field error: `<where>: <message in lang>`."""
    labels, names = labels or {}, names or {}
    return [f"  ✗ {names.get(e.field, e.field) or '-'}: {e.message(lang, labels.get(e.field))}" for e in errors]


def report(state: State, exc: Exception) -> int:
    """Print an error the way users should see it; returns the exit status."""
    lang = state.lang
    if isinstance(exc, ValidationFailed):
        labels = {}
        if state._app is not None:
            labels = {f.key: f.label(lang) for f in state._app.fields}
        click.echo(exc.message(lang), err=True)
        for line in field_error_lines(exc.errors, lang, labels):
            click.echo(line, err=True)
        return 2
    if isinstance(exc, KehuError):
        click.echo(exc.message(lang), err=True)
        return 2
    from kehu.migrate import MigrationError

    if isinstance(exc, MigrationError):
        click.echo(state.t(f"数据库迁移失败：{exc}", f"Cannot migrate the database: {exc}"), err=True)
        return 1
    if isinstance(exc, SQLAlchemyError):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        click.echo(state.t(f"数据库 {safe_url(state.settings.database_url)} 出错：{reason}",
                           f"Database problem at {safe_url(state.settings.database_url)}: {reason}"), err=True)
        return 1
    raise exc
