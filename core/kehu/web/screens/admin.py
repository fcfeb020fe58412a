"""What the admin screens share (issue 3; SPEC H4, H5): posted forms, field errors, PRG, error pages.

Admin screens are plain HTML forms (no JavaScript): a GET shows the form, a POST calls the same
service as the API and the CLI, then either redirects with a flash message (Post/Redirect/Get)
or shows the form again — status 400, the user's input kept, each error next to its field.
Each area mounts its handlers on a `router()`, whose error handlers answer refusals and
unknown records with an HTML page instead of the API's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, Router
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from kehu import i18n
from kehu.errors import Forbidden, NotFound, ValidationFailed
from kehu.web import auth
from kehu.web.deps import language_of
from kehu.web.screens.render import page

# A posted form as {name: value}; a name posted several times (checkboxes) maps to a list.
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

INVALID = 400  # a form shown again with its errors


def one(form: Mapping[str, Any], key: str) -> str:
    """The single value posted under `key` ("" when absent; the last one when posted twice)."""
    value = form.get(key, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def many(form: Mapping[str, Any], key: str) -> list[str]:
    """Every value posted under `key` (checkbox groups, multi-selects)."""
    value = form.get(key)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def field_errors(exc: ValidationFailed, labels: Mapping[str, str], lang: str) -> dict[str, list[str]]:
    """The refusal's messages by form field, in `lang`; errors about the whole form under ""."""
    out: dict[str, list[str]] = {}
    for error in exc.errors:
        key = error.field if error.field in labels else ""
        out.setdefault(key, []).append(error.message(lang, label=labels.get(error.field, error.field)))
    return out


def link(request: Request, path: str) -> str:
    """`path` keeping an explicit `?lang=` of this request, so the next page speaks the same."""
    asked = request.query_params.get("lang")
    return f"{path}?{urlencode({'lang': asked})}" if asked in i18n.LANGUAGES else path


def done(request: Request, path: str, text: str, kind: str = "success") -> Redirect:
    """Post/Redirect/Get: say `text` (already translated) on the page at `path`."""
    auth.flash(request, kind, text)
    return Redirect(path=link(request, path), status_code=303)


def department_choices(nodes: Sequence[Any]) -> list[tuple[str, str]]:
    """Departments as select options, indented by depth (ideographic spaces read well in Chinese)."""
    return [(str(n.id), "\u3000" * n.depth + n.name) for n in nodes]


def single_team(kehu: Any) -> bool:
    """True when no plugin answers permission questions: every signed-in user may do everything."""
    hooks = (kehu.hook.permission_allowed, kehu.hook.customer_scope, kehu.hook.field_access)
    return not any(h.get_hookimpls() for h in hooks)


def access_links(kehu: Any, actor: Any) -> list[Any]:
    """The admin menu entries of the plugins that answer permission questions (their roles and
    policies screens), as far as `actor` may open them; empty in single-team mode.

    Found through the hooks, so core names no permissions plugin.
    """
    deciders = {id(impl.plugin) for impl in kehu.hook.permission_allowed.get_hookimpls()}  # plugins: maybe unhashable
    links = []
    for impl in kehu.hook.register_menu_items.get_hookimpls():
        if id(impl.plugin) not in deciders:
            continue
        items = impl.function(**{name: kehu for name in impl.argnames if name == "app"}) or ()
        links += [i for i in items if i.admin and (i.permission is None or kehu.allowed(actor, *i.permission))]
    return sorted(links, key=lambda i: (i.order, i.label))


def _problem(request: Request, exc: Exception) -> Response:
    status = 403 if isinstance(exc, Forbidden) else 404
    lang = language_of(request)
    return page(request, "kehu/admin/problem.html", status=status, lang=lang,
                status_code=status, message=exc.message(lang))


def router(path: str, handlers: Sequence[Any]) -> Router:
    """The handlers of one admin area under `path`, answering refusals with an HTML page.

    A router per area (not bare handlers) so that several web apps in one process — the tests —
    can mount the same handlers: Litestar copies a router for each app.
    """
    return Router(path=path, route_handlers=list(handlers),
                  exception_handlers={Forbidden: _problem, NotFound: _problem})
