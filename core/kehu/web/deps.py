"""What every route handler — core's and plugins' alike — can ask for by name: `kehu`, `actor`, `lang`.

Declared once on the Litestar app, so a plugin handler gets them just by naming the argument.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, QueryParameter

from kehu.actors import Actor, load_actor
from kehu.app import Kehu
from kehu.errors import KehuError
from kehu.messages import LANGUAGES, pick_language

USER_HEADER = "X-Kehu-User"


class UnknownUser(KehuError):
    """The request names a user who does not exist or is not active."""

    status = 401
    rule = "unknown_user"


def language_of(request: Request) -> str:
    """'zh' or 'en': `?lang=` wins, then Accept-Language; Chinese by default."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
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
        str | None, QueryParameter(name="lang", description="zh (default) or en; else Accept-Language")
    ] = None,
) -> str:
    return language_of(request)


def provide_actor(
    kehu: NamedDependency[Kehu],
    user: Annotated[
        str | None,
        HeaderParameter(name=USER_HEADER, description="Acting username (temporary until sign-in, issue 3)"),
    ] = None,
) -> Actor:
    """The acting user — temporary until sign-in, issue 3.

    Until then the caller names an active user in the `X-Kehu-User` header; an unknown or
    inactive username answers 401.  Without the header the request acts as the system user
    (as the CLI does), so the change log always names somebody.
    """
    if not user:
        return kehu.system_actor
    with kehu.db.read() as session:
        actor = load_actor(session, user)
    if actor is None:
        raise UnknownUser(value=user)
    return actor


# What handlers declare, e.g. `def hello(kehu: KehuDep, actor: ActorDep, lang: LangDep)`.
KehuDep = NamedDependency[Kehu]
ActorDep = NamedDependency[Actor]
LangDep = NamedDependency[str]

DEPENDENCIES = {
    # Reads the database (refresh_definitions): keep it off the event loop like the handlers.
    "kehu": Provide(provide_kehu, sync_to_thread=True),
    "lang": Provide(provide_lang, sync_to_thread=False),
    # Reads the database: keep it off the event loop like the handlers.
    "actor": Provide(provide_actor, sync_to_thread=True),
}
