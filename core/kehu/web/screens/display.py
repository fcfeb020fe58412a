"""Values as people read them: choice labels, 是/否, YYYY-MM-DD, names instead of usernames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kehu.i18n import gettext
from kehu.fields import FieldDef, FieldType
from kehu.models import Department, User
from kehu.web.screens.render import format_date, format_time

T = FieldType


def people(session: Session, lang: str = "zh") -> dict[str, dict[str, str]]:
    """Active users (username → "display name (username)") and departments (name → name), for
    selects and labels; brackets full-width in Chinese, plain in English."""
    users = session.execute(
        select(User.username, User.display_name).where(User.is_active, User.username != "system")
        .order_by(User.display_name)
    )
    departments = session.scalars(select(Department.name).order_by(Department.name))
    shape = "{} ({})" if lang == "en" else "{}（{}）"
    return {"users": {u: shape.format(d, u) for u, d in users}, "departments": {d: d for d in departments}}


def shown(f: FieldDef, value: Any, lang: str, names: Mapping[str, Mapping[str, str]], zone: str) -> Any:
    """`value` for reading: a string, or a list of strings (shown as pills); "" when empty."""
    if value is None or value == "" or value == []:
        return ""
    if f.type in (T.ENUM, T.MULTI_ENUM):
        labels = {c.value: c.label(lang) for c in f.choices}
        if isinstance(value, list):
            return [labels.get(v, str(v)) for v in value]
        return labels.get(value, str(value))
    if f.type == T.LIST:
        return [str(v) for v in value]
    if f.type == T.BOOLEAN:
        return gettext(lang, "Yes" if value else "No")
    if f.type == T.DATE:
        return format_date(value)
    if f.type == T.DATETIME:
        return format_time(value, zone)
    if f.type == T.USER:
        return names.get("users", {}).get(value, str(value))
    return str(value)
