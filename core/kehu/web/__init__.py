"""The Litestar application: the JSON API with its OpenAPI document (SPEC H5), plugin routes.

    from kehu.web import create_web_app
    web = create_web_app(kehu_app)   # any ASGI server: uvicorn.run(web)

The API is served at /api/..., the OpenAPI document at /schema/openapi.json, the screens at
/customers, /account, ...; everything but /signin and /static needs a signed-in user (session
cookie or personal API token, see `kehu.web.auth`).  A plugin's
handlers (from its `register_routes` hook) ask for the app, the acting user and the reader's
language by name: `def hello(kehu: KehuDep, actor: ActorDep, lang: LangDep) -> dict: ...`;
`responses=ERROR_RESPONSES` on its decorator documents kehu's error shape in OpenAPI.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from kehu.app import Kehu
from kehu.web import api, definitions, export, screens
from kehu.web.auth import AuthMiddleware, security_headers
from kehu.web.bridge import plugin_routes
from kehu.web.deps import DEPENDENCIES, ActorDep, KehuDep, LangDep
from kehu.web.errors import ERROR_RESPONSES, EXCEPTION_HANDLERS
from kehu.web.screens import account  # noqa: F401  (adds the sign-in and account screens to HANDLERS)
from kehu.web.screens.render import make_environment

STATIC = Path(__file__).parent / "static"

__all__ = ["ERROR_RESPONSES", "ActorDep", "KehuDep", "LangDep", "create_web_app"]


DESCRIPTION = """Customer records (客户资料管理) as JSON.

Messages and labels are in Chinese by default; `?lang=en` or `Accept-Language: en` for English.
Every call needs a signed-in user: send a personal API token as `Authorization: Bearer kehu_...`
(create one on the /account screen or with `kehu users token USERNAME --name NAME`), or use the
screens' session cookie — then unsafe methods also need the `X-CSRF-Token` header.
Every error answers `{"error": {"status", "code", "message", "fields": [{"field", "rule", "message"}]}}`.
"""


def _version() -> str:
    try:
        return metadata.version("kehu")
    except metadata.PackageNotFoundError:  # running from a checkout without installing
        return "0"


def create_web_app(kehu: Kehu, *, debug: bool = False) -> Litestar:
    """A Litestar app serving `kehu` (one app object per process; state holds the Kehu app)."""
    return Litestar(
        route_handlers=[
            api.CustomerController,
            export.ExportController,
            *definitions.HANDLERS,
            # Through a router, which each app copies: a bare handler object belongs to the first
            # app that mounts it, and tests build many apps in one process.
            Router(path="/", route_handlers=screens.HANDLERS, include_in_schema=False),
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
            *plugin_routes(kehu),
        ],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"kehu": kehu, "screens": make_environment(kehu)}),
        middleware=[AuthMiddleware()],
        before_send=[security_headers],
        openapi_config=OpenAPIConfig(
            title="kehu API", version=_version(), description=DESCRIPTION,
            components=Components(security_schemes={
                "token": SecurityScheme(type="http", scheme="bearer", description="A personal API token, kehu_..."),
            }),
            security=[{"token": []}],
        ),
        debug=debug,
    )
