"""SQL constructs that differ between SQLite and PostgreSQL, compiled per dialect."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement


class JsonListHas(ColumnElement[bool]):
    """True when the JSON list in `column` (or in `column[key]`) holds `value`.

    Used for multi-select fields (core demands, multi-choice custom fields), which are stored as
    JSON lists: SQLite looks through `json_each`, PostgreSQL uses jsonb containment (`@>`, GIN-indexable).
    """

    type = Boolean()
    inherit_cache = True

    def __init__(self, column: Any, value: str, key: str | None = None):
        self.column = column
        self.value = value
        self.key = key


@compiles(JsonListHas, "sqlite")
def _sqlite(element: JsonListHas, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    value = compiler.process(literal(element.value), **kw)
    source = f"json_each({column})"
    if element.key is not None:
        path = compiler.process(literal(f'$."{element.key}"'), **kw)
        source = f"json_each({column}, {path})"
    return f"EXISTS (SELECT 1 FROM {source} AS j WHERE j.value = {value})"


@compiles(JsonListHas, "postgresql")
def _postgresql(element: JsonListHas, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)  # a JSONB column (kehu.models.Json)
    if element.key is not None:
        column = f"({column} -> {compiler.process(literal(element.key), **kw)})"
    value = compiler.process(literal(json.dumps([element.value], ensure_ascii=False)), **kw)
    return f"COALESCE({column} @> CAST({value} AS JSONB), false)"
