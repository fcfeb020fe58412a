"""Named slots that plugins fill on the screens (DESIGN: screen sections are template + context).

Returned by the `register_menu_items`, `customer_sections` and `field_options` hooks; core renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    """A navigation entry: `label` is an English msgid (the plugin's catalog translates it)."""

    label: str
    path: str
    order: int = 500
    # The entry shows only to users allowed this (action, resource), e.g. ("configure", "field").
    permission: tuple[str, str] | None = None
    # Admin entries are grouped under the 管理 / Admin menu.
    admin: bool = False


@dataclass(frozen=True)
class Section:
    """A block on the customer detail screen: `template` rendered with `context` (autoescaped)."""

    title: str  # English msgid
    template: str  # e.g. "kehu_tags/customer_tags.html"
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 500


@dataclass(frozen=True)
class Option:
    """A choice known only at request time (a tag, ...), from the `field_options` hook.

    Forms and the list's filter panel offer it; `group` gathers options under a heading
    (a tag's dimension), `hint` is shown on hover (a tag's description).  Plain text: escaped.
    """

    value: str
    label: str
    group: str = ""
    hint: str = ""
