"""What the tags plugin puts into core's screen slots (SPEC B1, D3, H5): the tag options of the
customer form's picker and of the list's filter panel (`field_options`), the tags section of the
customer detail (`customer_sections`) and the menu entry (`register_menu_items`).

Only for readers who may see tags: allowed to read the "tag" resource and not hidden or masked
the `tags` field — the same tests as the JSON API and the filter.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from kehu.fields import Access
from kehu.i18n import N_
from kehu.slots import MenuItem, Option, Section
from kehu_tags import service

MENU = MenuItem(N_("Tags"), "/tags", order=200, permission=("read", service.RESOURCE))


def customers_url(name: str) -> str:
    """The customer list filtered to the customers carrying tag `name`."""
    return "/customers?" + urlencode({f"{service.FIELD}__any": name})


def may_see(app, actor) -> bool:
    hidden = app.field_access(actor).get(service.FIELD) in (Access.HIDDEN, Access.MASKED)
    return not hidden and app.allowed(actor, "read", service.RESOURCE)


def options(app, session: Session, actor, keys: list[str]) -> dict[str, list[Option]] | None:
    """Every tag as an option grouped by its dimension (区域 › 华东), its description as the hint."""
    if service.FIELD not in keys or not may_see(app, actor):
        return None
    tags = service.vocabulary(session)
    return {service.FIELD: [Option(t["name"], t["value"], t["dimension"], t["description"] or "") for t in tags]}


def sections(app, session: Session, actor, customer) -> list[Section]:
    """The customer's tags, each linking to the other customers carrying it, with their number.

    Adds to the plain list in the preferences category what a reader does next: "who else is
    区域-华东?" — counted within the reader's scope, like the management screen.
    """
    if not may_see(app, actor):
        return []
    carried = service.tag_names(session, [customer.id]).get(customer.id)
    if not carried:
        return []
    tags: list[dict[str, Any]] = [{**t, "url": customers_url(t["name"])}
                                  for t in service.read_tags(app, session, actor, names=carried)]
    return [Section(N_("Tags"), "kehu_tags/section.html", {"tags": tags}, order=100)]
