"""The one place that turns `register_routes` hook results into mounted Litestar routes.

Plugin authors return handlers, controllers or routers; they get the app's `kehu`, `actor` and
`lang` dependencies and its error handling because they are mounted on the same app.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Router
from litestar.handlers import BaseRouteHandler

from kehu.app import Kehu
from kehu.errors import PluginError


def plugin_routes(kehu: Kehu) -> list[Any]:
    """Everything the enabled plugins want mounted, checked so a mistake names its culprit."""
    mounted: list[Any] = []
    for batch in kehu.hook.register_routes(app=kehu):
        handlers = []
        for item in batch or ():
            if isinstance(item, Router) or (isinstance(item, type) and issubclass(item, Controller)):
                mounted.append(item)  # Litestar copies routers and instantiates controllers per app
            elif isinstance(item, BaseRouteHandler):
                handlers.append(item)
            else:
                raise PluginError(detail=f"register_routes returned {item!r}, which is not a Litestar route "
                                         f"handler, controller or router")
        if handlers:
            # A handler object is owned by the router it is registered on; wrapping it in a router
            # (which the app deep-copies) lets several apps in one process mount the same handler.
            mounted.append(Router(path="/", route_handlers=handlers))
    return mounted
