"""The tags JSON API: list with usage counts, create, rename / describe, merge, delete (SPEC B2).

Handlers only translate HTTP to `kehu_tags.service` calls; errors are core's structured errors
(`ValidationFailed`, `NotFound`, ...), which the web layer renders in the reader's language.
`kehu`, `actor` and `lang` are the app's dependencies, available to every plugin handler.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from kehu.errors import FieldError, ValidationFailed
from kehu.i18n import N_, gettext
from kehu.web import ActorDep, KehuDep, LangDep
from kehu_tags import service

Body = JSONBody[dict[str, Any]]
TagId = FromPath[int]


def _reason(data: Body) -> str | None:
    reason = data.get("reason")
    if reason is None or isinstance(reason, str):
        return reason or None
    raise ValidationFailed([FieldError("reason", "not_text")])


class TagController(Controller):
    path = "/api/tags"
    tags = ["tags"]

    @get("/", sync_to_thread=True)
    def index(self, kehu: KehuDep, actor: ActorDep, lang: LangDep, dimension: FromQuery[str | None] = None) -> dict[str, Any]:
        """Every tag with `usage` (customers carrying it, not deleted, within your scope).

        Flat, each with its `dimension`; `dimensions` sums them up per dimension.
        `?dimension=区域` lists one dimension only.
        """
        items = service.list_tags(kehu, actor, dimension=dimension)
        dimensions: dict[str, dict[str, Any]] = {}
        for item in items:
            group = dimensions.setdefault(item["dimension"], {"dimension": item["dimension"], "tags": 0, "usage": 0})
            group["tags"] += 1
            group["usage"] += item["usage"]
        return {
            "label": gettext(lang, N_("Tags")),
            "items": items,
            "dimensions": list(dimensions.values()),
        }

    @get("/{tag_id:int}", sync_to_thread=True)
    def detail(self, tag_id: TagId, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        return service.get_tag(kehu, actor, tag_id)

    @post("/", sync_to_thread=True)
    def create(self, data: Body, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        """Create a tag: {"name": "区域-华东", "description": "..."} (201)."""
        return service.create_tag(kehu, actor, data)

    @patch("/{tag_id:int}", sync_to_thread=True)
    def update(self, tag_id: TagId, data: Body, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        """Rename and/or describe: {"name": "...", "description": "...", "reason": "..."}.

        A rename keeps every link and writes a "tag_rename" history row on each customer.
        """
        changes = {k: data[k] for k in ("name", "description") if k in data}
        return service.update_tag(kehu, actor, tag_id, changes, reason=_reason(data))

    @post("/{tag_id:int}/merge", status_code=200, sync_to_thread=True)
    def merge(self, tag_id: TagId, data: Body, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        """Merge this tag into another: {"into": id, "reason": "..."}; duplicates collapse."""
        if data.get("into") is None:
            raise ValidationFailed([FieldError("into", "required")])
        return service.merge_tags(kehu, actor, tag_id, data["into"], reason=_reason(data))

    @delete("/{tag_id:int}", status_code=200, sync_to_thread=True)
    def remove(self, tag_id: TagId, kehu: KehuDep, actor: ActorDep, reason: FromQuery[str | None] = None) -> dict[str, Any]:
        """Delete a tag and its links; each customer that carried it gets a "tag_delete" history row."""
        return service.delete_tag(kehu, actor, tag_id, reason=reason)
