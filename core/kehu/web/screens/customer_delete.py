"""Deleting (soft, SPEC A10: data and history stay) and restoring a customer from the screens."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from kehu import records
from kehu.errors import StaleVersion
from kehu.i18n import gettext
from kehu.web.auth import flash
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.screens import HANDLERS
from kehu.web.screens.forms import text_of, whole_number
from kehu.web.screens.render import off_loop, page

Code = FromPath[str]


@get("/customers/{code:str}/delete", include_in_schema=False)
async def confirm_delete(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_confirm_delete, request, code, kehu, actor, lang)


def _confirm_delete(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    with kehu.db.read() as session:
        customer = records.load_customer(kehu, session, actor, code, "delete")
        about = {"code": customer.code, "name": customer.name, "version": customer.version}
    return page(request, "kehu/customers/delete.html", actor=actor, lang=lang, customer=about)


@post("/customers/{code:str}/delete", include_in_schema=False)
async def delete_customer(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_delete, request, kehu, actor, lang, code, form)


def _delete(request, kehu, actor, lang, code, form) -> Response:
    reason = text_of(form, "reason") or None
    try:
        records.delete_customer(kehu, actor, code, version=whole_number(text_of(form, "version")) or 0, reason=reason)
    except StaleVersion as exc:
        flash(request, "error", exc.message(lang))
        return Redirect(f"/customers/{code}", status_code=303)
    flash(request, "success", gettext(lang, "Customer {code} was deleted. It can be restored from the deleted "
                                            "customers list.").format(code=code))
    return Redirect("/customers", status_code=303)


@post("/customers/{code:str}/restore", include_in_schema=False)
async def restore_customer(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_restore, request, kehu, actor, lang, code, form)


def _restore(request, kehu, actor, lang, code, form) -> Response:
    records.restore_customer(kehu, actor, code, reason=text_of(form, "reason") or None)
    flash(request, "success", gettext(lang, "Customer {code} was restored.").format(code=code))
    return Redirect(f"/customers/{code}", status_code=303)


HANDLERS.extend([confirm_delete, delete_customer, restore_customer])
