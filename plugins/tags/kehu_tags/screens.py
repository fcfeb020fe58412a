"""The tag management screens (SPEC B1, B2, H5): the vocabulary by dimension with usage counts;
create, rename / describe, merge, delete.

Like the JSON API (`routes.py`), handlers only translate between forms and `kehu_tags.service`,
so the same rules, permissions and history apply.  Every change is Post/Redirect/Get with a flash
message; input the service refuses is shown again with the message next to its field (422);
other refusals (not allowed, a tag merged or deleted meanwhile) are error flashes.

    GET  /tags                    the tags by dimension, usage counts, a form to create one
    POST /tags                    create
    GET  /tags/{id}               one tag: rename / describe, merge into another
    POST /tags/{id}               rename / describe (with a reason)
    POST /tags/{id}/merge         merge into another tag (with a reason)
    GET  /tags/{id}/delete        confirm, with the usage warning
    POST /tags/{id}/delete        delete (with a reason)

Handlers are async and do their work off the event loop (`off_loop`): Litestar 2.25 answers 500
when a `sync_to_thread` GET shares its path with a POST.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from kehu.errors import FieldError, KehuError, NotFound, ValidationFailed
from kehu.i18n import N_, gettext
from kehu.web.auth import flash
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.screens.render import off_loop, page
from kehu_tags import service
from kehu_tags.slots import customers_url

TagId = FromPath[int]
INDEX = "/tags"
# What an error may name, as the forms label it (English msgids; the plugin's catalog translates).
LABELS = {
    "name": N_("Name"),
    "description": N_("Description"),
    "into": N_("Merge into"),
    "reason": N_("Reason"),
}


def by_dimension(tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tags (sorted by dimension, as `service.list_tags` gives them) grouped under their dimension."""
    groups: dict[str, dict[str, Any]] = {}
    for tag in tags:
        group = groups.setdefault(tag["dimension"], {"dimension": tag["dimension"], "tags": []})
        group["tags"].append({**tag, "url": customers_url(tag["name"])})
    return list(groups.values())


def _errors(exc: ValidationFailed, lang: str) -> tuple[dict[str, str], list[str]]:
    """(message by form field, every message) of a refused change, in the reader's language."""
    inline: dict[str, str] = {}
    summary: list[str] = []
    for e in exc.errors:
        label = gettext(lang, LABELS[e.field]) if e.field in LABELS else None
        text = e.message(lang, label=label)
        summary.append(text)
        inline.setdefault(e.field if e.field in LABELS else "", text)
    return inline, summary


def _text(form: Any, key: str) -> str:
    value = form.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _refused(request: Request, exc: KehuError, lang: str, to: str = INDEX) -> Response:
    """A refusal that no field of the form can show (not allowed, gone meanwhile): a flash."""
    flash(request, "error", exc.message(lang))
    return Redirect(to, status_code=303)


def _done(request: Request, text: str, to: str = INDEX) -> Response:
    flash(request, "success", text)
    return Redirect(to, status_code=303)


def _may(kehu, actor) -> dict[str, bool]:
    """Which buttons to show; the service checks again whatever is posted."""
    return {action: kehu.allowed(actor, action, service.RESOURCE)
            for action in ("create", "rename", "update", "merge", "delete")}


# --- the list ------------------------------------------------------------------------------


def _index(request: Request, kehu, actor, lang: str, values: dict[str, str] | None = None,
           errors: dict[str, str] | None = None, summary: list[str] | None = None, status: int = 200) -> Response:
    tags = service.list_tags(kehu, actor)
    return page(request, "kehu_tags/index.html", status=status, actor=actor, lang=lang,
                groups=by_dimension(tags), total=len(tags), may=_may(kehu, actor),
                values=values or {"name": "", "description": ""}, errors=errors or {}, summary=summary or [])


@get(INDEX, include_in_schema=False)
async def tags_index(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_index, request, kehu, actor, lang)


@post(INDEX, include_in_schema=False)
async def tags_create(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_create, request, kehu, actor, lang, form)


def _create(request: Request, kehu, actor, lang: str, form: Any) -> Response:
    values = {"name": _text(form, "name"), "description": _text(form, "description")}
    try:
        tag = service.create_tag(kehu, actor, values)
    except ValidationFailed as exc:
        inline, summary = _errors(exc, lang)
        return _index(request, kehu, actor, lang, values, inline, summary, status=422)
    except KehuError as exc:
        return _refused(request, exc, lang)
    return _done(request, gettext(lang, "Tag {name} was created.").format(name=tag["name"]))


# --- one tag: rename / describe, merge -----------------------------------------------------


def _tag_page(request: Request, kehu, actor, lang: str, tag_id: int, *, edit: dict[str, str] | None = None,
              merge: dict[str, str] | None = None, errors: dict[str, dict[str, str]] | None = None,
              summary: list[str] | None = None, status: int = 200) -> Response:
    tags = service.list_tags(kehu, actor)
    tag = next((t for t in tags if t["id"] == tag_id), None)
    if tag is None:
        raise NotFound(tag=tag_id)  # core's 404 page, in the reader's language
    return page(request, "kehu_tags/tag.html", status=status, actor=actor, lang=lang,
                tag={**tag, "url": customers_url(tag["name"])}, may=_may(kehu, actor),
                targets=by_dimension([t for t in tags if t["id"] != tag_id]),
                edit=edit or {"name": tag["name"], "description": tag["description"] or "", "reason": ""},
                merge=merge or {"into": "", "reason": ""}, errors=errors or {"edit": {}, "merge": {}},
                summary=summary or [])


@get(INDEX + "/{tag_id:int}", include_in_schema=False)
async def tag_screen(request: Request, tag_id: TagId, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_tag_page, request, kehu, actor, lang, tag_id)


@post(INDEX + "/{tag_id:int}", include_in_schema=False)
async def tag_update(request: Request, tag_id: TagId, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_update, request, kehu, actor, lang, tag_id, form)


def _update(request: Request, kehu, actor, lang: str, tag_id: int, form: Any) -> Response:
    edit = {"name": _text(form, "name"), "description": _text(form, "description"), "reason": _text(form, "reason")}
    try:
        before = service.get_tag(kehu, actor, tag_id)
        # Only what changed is sent: a description edit needs no right to rename, and logs nothing.
        changes = {k: edit[k] for k in ("name", "description") if edit[k] != (before[k] or "")}
        if not changes:
            flash(request, "info", gettext(lang, "Nothing was changed."))
            return Redirect(f"{INDEX}/{tag_id}", status_code=303)
        after = service.update_tag(kehu, actor, tag_id, changes, reason=edit["reason"] or None)
    except ValidationFailed as exc:
        inline, summary = _errors(exc, lang)
        return _tag_page(request, kehu, actor, lang, tag_id, edit=edit, errors={"edit": inline, "merge": {}},
                         summary=summary, status=422)
    except KehuError as exc:
        return _refused(request, exc, lang)
    if after["name"] != before["name"]:
        text = gettext(lang, "Tag {old} is now called {new}; the customers carrying it keep it.")
        text = text.format(old=before["name"], new=after["name"])
    else:
        text = gettext(lang, "Tag {name} was saved.").format(name=after["name"])
    return _done(request, text, f"{INDEX}/{tag_id}")


@post(INDEX + "/{tag_id:int}/merge", include_in_schema=False)
async def tag_merge(request: Request, tag_id: TagId, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_merge, request, kehu, actor, lang, tag_id, form)


def _merge(request: Request, kehu, actor, lang: str, tag_id: int, form: Any) -> Response:
    merge = {"into": _text(form, "into"), "reason": _text(form, "reason")}
    try:
        if not merge["into"]:
            raise ValidationFailed([FieldError("into", "required")])
        result = service.merge_tags(kehu, actor, tag_id, merge["into"], reason=merge["reason"] or None)
    except ValidationFailed as exc:
        inline, summary = _errors(exc, lang)
        return _tag_page(request, kehu, actor, lang, tag_id, merge=merge, errors={"edit": {}, "merge": inline},
                         summary=summary, status=422)
    except KehuError as exc:
        return _refused(request, exc, lang)
    text = gettext(lang, "Tag {merged} was merged into {into}; the customers that carried it carry {into} now.")
    return _done(request, text.format(merged=result["merged"], into=result["into"]["name"]),
                 f"{INDEX}/{result['into']['id']}")


# --- delete --------------------------------------------------------------------------------


def _confirm_delete(request: Request, kehu, actor, lang: str, tag_id: int) -> Response:
    kehu.authorize(actor, "delete", service.RESOURCE)  # no question the reader could not act on
    tag = service.get_tag(kehu, actor, tag_id)
    return page(request, "kehu_tags/delete.html", actor=actor, lang=lang,
                tag={**tag, "url": customers_url(tag["name"])}, may=_may(kehu, actor))


@get(INDEX + "/{tag_id:int}/delete", include_in_schema=False)
async def tag_confirm_delete(request: Request, tag_id: TagId, kehu: KehuDep, actor: ActorDep,
                             lang: LangDep) -> Response:
    return await off_loop(_confirm_delete, request, kehu, actor, lang, tag_id)


@post(INDEX + "/{tag_id:int}/delete", include_in_schema=False)
async def tag_delete(request: Request, tag_id: TagId, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_delete, request, kehu, actor, lang, tag_id, form)


def _delete(request: Request, kehu, actor, lang: str, tag_id: int, form: Any) -> Response:
    try:
        result = service.delete_tag(kehu, actor, tag_id, reason=_text(form, "reason") or None)
    except KehuError as exc:
        return _refused(request, exc, lang)
    # No count of customers here: the service's count includes customers outside the reader's scope.
    return _done(request, gettext(lang, "Tag {name} was deleted.").format(name=result["name"]))


HANDLERS = [tags_index, tags_create, tag_screen, tag_update, tag_merge, tag_confirm_delete, tag_delete]
