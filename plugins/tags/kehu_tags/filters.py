"""The `tags` filter: any / all / none / empty, compiled to EXISTS subqueries (SPEC D3, G1).

`tags__any=区域-华东,状态-意向强烈` ANDs with every other condition and with the actor's scope in
the one WHERE of the list, count and export — nothing is filtered in Python.  A former name of a
tag (renamed or merged away) still matches the tag it became, so saved filters keep working.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from kehu.fields import FieldType
from kehu.models import Customer
from kehu.query import FilterDef
from kehu_tags.models import CustomerTag, Tag, TagAlias
from kehu_tags.names import normalise


def _has(names: list[str]) -> ColumnElement[bool]:
    """The customer carries a tag named (or formerly named) one of `names`."""
    named = or_(Tag.name.in_(names), Tag.id.in_(select(TagAlias.tag_id).where(TagAlias.name.in_(names))))
    return exists(
        select(CustomerTag.customer_id)
        .join(Tag, Tag.id == CustomerTag.tag_id)
        .where(CustomerTag.customer_id == Customer.id, named)
    )


def compile_tags(op: str, value: Any) -> ColumnElement[bool]:
    if op == "empty":
        carries = exists(select(CustomerTag.customer_id).where(CustomerTag.customer_id == Customer.id))
        return not_(carries) if value else carries
    names = list(dict.fromkeys(normalise(v) for v in value))
    if op == "any":
        return _has(names)
    if op == "all":
        return and_(*(_has([n]) for n in names))
    if op == "none":
        return not_(_has(names))
    raise ValueError(op)


TAGS_FILTER = FilterDef(
    key="tags",
    label_zh="标签",
    label_en="Tags",
    operators=("any", "all", "none", "empty"),
    compile=compile_tags,
    value_type=FieldType.LIST,
    plugin="tags",
)
