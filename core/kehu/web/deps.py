"""What every route handler — core's and plugins' alike — can ask for by name: `kehu`, `actor`, `lang`.

`actor` is the signed-in user (kehu.web.auth); `lang` the reader's language.

Declared once on the Litestar app, so a plugin handler gets them just by naming the argument.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from kehu.actors import Actor
from kehu.app import Kehu
from kehu.errors import KehuError
from kehu.messages import LANGUAGES, pick_language


class NotSignedIn(KehuError):
    """A handler asked for the acting user where nobody is signed in (the sign-in page)."""

    status = 401
    rule = "auth_required"


def language_of(request: Request) -> str:
    """'zh' or 'en': `?lang=` wins, then the signed-in user's choice, then Accept-Language; else zh."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    saved = getattr(request.scope.get("user"), "language", None)
    if saved in LANGUAGES:
        return saved
    return pick_language(request.headers.get("accept-language"))


def provide_kehu(state: State) -> Kehu:
    """The app, its field definitions current: another server process may have added a field."""
    kehu: Kehu = state.kehu
    kehu.refresh_definitions()
    return kehu


def provide_lang(
    request: Request,
    # Declared (though read from `request`) so that OpenAPI documents it where handlers use `lang`.
    query_lang: Annotated[
        str | None, QueryParameter(name="lang", description="zh or en; else the user's saved choice, then Accept-Language; zh by default")
    ] = None,
) -> str:
    return language_of(request)


def provide_actor(request: Request) -> Actor:
    """The signed-in user (session cookie or API token), resolved by `kehu.web.auth.AuthMiddleware`."""
    actor = request.scope.get("user")
    if actor is None:
        raise NotSignedIn()
    return actor


# What handlers declare, e.g. `def hello(kehu: KehuDep, actor: ActorDep, lang: LangDep)`.
KehuDep = NamedDependency[Kehu]
ActorDep = NamedDependency[Actor]
LangDep = NamedDependency[str]

DEPENDENCIES = {
    # Reads the database (refresh_definitions): keep it off the event loop like the handlers.
    "kehu": Provide(provide_kehu, sync_to_thread=True),
    "lang": Provide(provide_lang, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
}
