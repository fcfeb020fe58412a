"""Sign-in for the web app: who is asking, CSRF, flash messages, cookies, security headers.

Every route needs a signed-in user except the sign-in page and static files (`PUBLIC`).  The
user comes from one of two places:

- the session cookie `kehu_session` (screens and the API alike): a server-side session of
  `kehu.accounts`; a new id is issued at every sign-in and the previous one is deleted;
- `Authorization: Bearer kehu_...` — a personal API token — on `/api/...` and `/schema` only.

Signed-out requests for screens are redirected to `/signin?next=<where they were going>`; for the
API they answer 401 in kehu's error shape.  `request.scope["user"]` is then the `Actor` (None on
the sign-in page when nobody is signed in).

CSRF: a synchronizer token kept in the session.  Every POST/PUT/PATCH/DELETE made with the
session cookie must carry it, in the form field `_csrf` (`CSRF_FIELD`; templates write it with
`{{ csrf_field() }}`) or the header `X-CSRF-Token` (`CSRF_HEADER`); else 403.  Token-authenticated
requests need none: a browser never adds an Authorization header by itself.  The sign-in form has
a token too, from a session made before sign-in (user NULL), which sign-in then replaces.

Cookies are HttpOnly and SameSite=Lax, and Secure when the request came over HTTPS (behind a
proxy: run uvicorn with --proxy-headers so that the scheme is right).  `security_headers` adds
CSP, nosniff, frame and referrer rules to every response.

Screens call `csrf_token`, `flash`, `take_flashes`, `sign_in`, `sign_out`, `ensure_session`.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import anyio.to_thread
from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect

from kehu import accounts
from kehu.actors import Actor
from kehu.i18n import N_
from kehu.messages import register_messages, render
from kehu.timeutil import now as utc_now

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from kehu.app import Kehu
    from kehu.models import User

log = logging.getLogger("kehu.auth")

SESSION_COOKIE = "kehu_session"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
SIGNIN = "/signin"
HOME = "/customers"
PUBLIC = (SIGNIN, "/static/")  # exact path, prefix
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
PRUNE_EVERY = 60.0  # seconds between deletions of expired sessions (per process)

MESSAGES = {
    "auth_required": N_("Sign in first, or send a personal API token (Authorization: Bearer kehu_...)"),
    "auth_token_invalid": N_("The API token is unknown, revoked or expired"),
    "auth_csrf": N_("This form has expired or did not come from kehu. Reload the page and try again"),
    "auth_signin_expired": N_("The sign-in form had expired. Please sign in again"),
    "auth_session_ended": N_("Your session has ended. Please sign in again"),
    "auth_session_ended_unsaved": N_("Your session had ended, so what you just submitted was not saved. "
                                     "Please sign in again and repeat it"),
}
register_messages(MESSAGES)

_last_prune = [0.0]
_prune_lock = threading.Lock()


# --- the session of this request -------------------------------------------------------------


@dataclass
class WebSessionState:
    """The browser's session during one request (scope["kehu.session"])."""

    raw: str  # the id from the cookie; only its hash is in the database
    row_id: int
    user_id: int | None
    csrf: str
    flashes: list[list[str]] = field(default_factory=list)
    flashes_changed: bool = False
    new_cookie: bool = False  # the response must set the cookie to `raw`


def _state(request: Request | Any) -> WebSessionState | None:
    scope = request.scope if hasattr(request, "scope") else request
    return scope.get("kehu.session")


def csrf_token(request: Request) -> str:
    """The token every form posts back in the hidden `_csrf` field ("" without a session)."""
    state = _state(request)
    return state.csrf if state else ""


def flash(request: Request, kind: str, text: str) -> None:
    """Show `text` (already translated) on the next page; kind is success / info / error.

    Kept in the server-side session, so it survives the redirect; dropped without a session
    (token-authenticated API calls have nobody to show it to).
    """
    state = _state(request)
    if state is not None:
        state.flashes.append([kind, text])
        state.flashes_changed = True


def take_flashes(request: Request) -> list[tuple[str, str]]:
    """The flash messages waiting for this page; each is shown once."""
    state = _state(request)
    if state is None or not state.flashes:
        return []
    taken = [(kind, text) for kind, text in state.flashes]
    state.flashes = []
    state.flashes_changed = True
    return taken


def _kehu(request: Request | Any) -> Kehu:
    return request.app.state.kehu


def _prune(kehu: Kehu) -> None:
    """Delete expired sessions now and then (they are refused anyway; this keeps the table small)."""
    with _prune_lock:
        if time.monotonic() - _last_prune[0] < PRUNE_EVERY:
            return
        _last_prune[0] = time.monotonic()
    with kehu.db.write() as session:
        accounts.prune_sessions(session, kehu.settings)


def _start(request: Request | Any, user_id: int | None, flashes: list[list[str]] | None = None) -> WebSessionState:
    kehu = _kehu(request)
    old = _state(request)
    _prune(kehu)
    with kehu.db.write() as session:
        raw, row = accounts.start_session(session, user_id, replaces=old.raw if old else None, flashes=flashes)
        state = WebSessionState(raw, row.id, user_id, row.csrf_token, list(flashes or []), new_cookie=True)
    request.scope["kehu.session"] = state
    return state


def ensure_session(request: Request) -> WebSessionState:
    """The browser's session, started (signed out) if it has none — the sign-in form needs a CSRF token."""
    return _state(request) or _start(request, None)


def sign_in(request: Request, user: User) -> Actor:
    """Start a signed-in session for `user` with a fresh id; the browser's previous one is deleted."""
    _start(request, user.id)
    actor = Actor.of(user)
    request.scope["user"] = actor
    log.info("sign-in: %s", user.username)
    return actor


def sign_out(request: Request) -> None:
    """End the session; the browser gets a fresh signed-out one (for the 'signed out' message)."""
    actor = request.scope.get("user")
    _start(request, None)
    request.scope["user"] = None
    if actor is not None:
        log.info("sign-out: %s", actor.username)


# --- where to go next ------------------------------------------------------------------------


def safe_next(value: Any, default: str = HOME) -> str:
    """`value` when it is a path on this site (no scheme, no host, no //, no backslash), else `default`.

    Stops open redirects such as /signin?next=https://evil.example or next=//evil.example.
    """
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 2000:
        return default
    if value.startswith("//") or "\\" in value or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in (SIGNIN, "/signout"):
        return default
    return value


def signin_url(next_path: str | None) -> str:
    target = safe_next(next_path, "")
    return f"{SIGNIN}?next={quote(target, safe='/')}" if target and target != HOME else SIGNIN


# --- the middleware --------------------------------------------------------------------------


def is_public(path: str) -> bool:
    return path == PUBLIC[0] or path.startswith(PUBLIC[1])


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith(("/api/", "/schema"))


def _bearer(scope: Scope) -> str | None:
    """The token of an `Authorization: Bearer ...` header ("" for a malformed one), else None."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return None


def _cookie(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == SESSION_COOKIE and val:
                    return val
    return None


def _load_session(kehu: Kehu, raw: str) -> tuple[WebSessionState, Actor | None] | None:
    """The live session with this id and its user (None when signed out); touches last_seen_at."""
    now = utc_now()
    with kehu.db.read() as session:
        found = accounts.find_session(session, raw, kehu.settings, now)
    if found is None:
        return None
    if accounts.needs_touch(found.session, now):
        with kehu.db.write() as session:
            accounts.touch_session(session, found.session.id, now)
    row = found.session
    state = WebSessionState(raw, row.id, row.user_id, row.csrf_token, [list(f) for f in row.flashes or []])
    return state, Actor.of(found.user) if found.user else None


def _token_actor(kehu: Kehu, secret: str) -> Actor | None:
    now = utc_now()
    with kehu.db.read() as session:
        found = accounts.find_token(session, secret, now)
    if found is None:
        return None
    token, user = found
    if accounts.token_needs_touch(token, now):
        with kehu.db.write() as session:
            accounts.touch_token(session, token.id, now)
    return Actor.of(user)


def _save_flashes(kehu: Kehu, state: WebSessionState) -> None:
    with kehu.db.write() as session:
        accounts.save_flashes(session, state.row_id, state.flashes)


def _wants_html(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept":
            return b"text/html" in value
    return False


async def _given_csrf(request: Request) -> str:
    """The CSRF token the request carries: the header, else the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORMS):
        # Read the whole body first: Litestar keeps it (and the parsed form) in the connection
        # state, so the handler reads them again without touching the consumed stream.
        await request.body()
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _json_error(request: Request, status: int, rule: str, headers: dict[str, str] | None = None) -> Response:
    from kehu.web.deps import language_of
    from kehu.web.errors import error_response

    code = {401: "not_signed_in", 403: "csrf_failed"}.get(status, rule)
    return error_response(status, code, render(rule, language_of(request)), headers=headers)


class AuthMiddleware(ASGIMiddleware):
    """Resolves the user of every HTTP request (see the module docstring) and checks CSRF."""

    scopes = ("http",)  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request = Request(scope, receive)
        kehu = scope["app"].state.kehu
        path = scope["path"]
        scope["user"] = None
        scope["kehu.session"] = None
        scope["kehu.auth"] = None

        async def respond(response: Response, *, clear_cookie: bool = False) -> None:
            async def send_with_cookie(message: Message) -> None:
                if message["type"] == "http.response.start":
                    _set_cookie(scope, message, clear=clear_cookie)
                await send(message)

            await response.to_asgi_response(app=None, request=request)(scope, receive, send_with_cookie)

        bearer = _bearer(scope) if is_api(path) else None
        if bearer is not None:
            actor = await anyio.to_thread.run_sync(_token_actor, kehu, bearer)
            if actor is None:
                log.info("refused API token %s… on %s", bearer[:accounts.TOKEN_SHOWN], path)
                return await respond(_json_error(request, 401, "auth_token_invalid",
                                                 {"WWW-Authenticate": 'Bearer error="invalid_token"'}))
            scope["user"], scope["kehu.auth"] = actor, "token"
            return await next_app(scope, receive, send)  # no CSRF: browsers never add this header

        raw = _cookie(scope)
        loaded = await anyio.to_thread.run_sync(_load_session, kehu, raw) if raw else None
        if loaded is not None:
            scope["kehu.session"], scope["user"] = loaded
            scope["kehu.auth"] = "session" if loaded[1] else None
        stale_cookie = raw is not None and loaded is None

        if scope["user"] is None and not is_public(path):
            if stale_cookie and not is_api(path):
                # The session ran out (idle or too old): say so on the sign-in page, in a fresh
                # signed-out session, rather than sending the person back without a word.
                await anyio.to_thread.run_sync(_session_ended, request, scope["method"] != "GET")
                return await respond(_signed_out(request, path))
            return await respond(_signed_out(request, path), clear_cookie=stale_cookie)

        if scope["method"] in UNSAFE and not path.startswith(PUBLIC[1]):
            state: WebSessionState | None = scope["kehu.session"]
            given = await _given_csrf(request)
            if state is None or not given or not hmac.compare_digest(given.encode(), state.csrf.encode()):
                log.info("refused %s %s: CSRF token missing or wrong", scope["method"], path)
                if path == SIGNIN:  # a sign-in form left open too long: a fresh form, and why
                    await anyio.to_thread.run_sync(_restart_signin, request)
                    return await respond(Redirect(SIGNIN, status_code=303))
                return await respond(_csrf_refused(request, path), clear_cookie=stale_cookie)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("kehu.session")
                if state is not None and state.flashes_changed:
                    state.flashes_changed = False
                    await anyio.to_thread.run_sync(_save_flashes, kehu, state)
                _set_cookie(scope, message, clear=stale_cookie)
            await send(message)

        await next_app(scope, receive, send_wrapper)


def _signed_out(request: Request, path: str) -> Response:
    """401 for the API (a browser opening the API docs is sent to sign in); screens redirect."""
    if is_api(path) and not (path.startswith("/schema") and _wants_html(request.scope)):
        return _json_error(request, 401, "auth_required", {"WWW-Authenticate": 'Bearer realm="kehu"'})
    target = path + ("?" + request.url.query if request.url.query else "")
    return Redirect(signin_url(target if request.method == "GET" else None), status_code=303)


def _session_ended(request: Request, was_posting: bool) -> None:
    from kehu.web.deps import language_of

    rule = "auth_session_ended_unsaved" if was_posting else "auth_session_ended"
    _start(request, None, [["error", render(rule, language_of(request))]])


def _restart_signin(request: Request) -> None:
    from kehu.web.deps import language_of

    _start(request, None, [["error", render("auth_signin_expired", language_of(request))]])


def _csrf_refused(request: Request, path: str) -> Response:
    from kehu.web.deps import language_of

    if is_api(path):
        return _json_error(request, 403, "auth_csrf")
    from kehu.web.screens.render import page

    return page(request, "kehu/csrf_failed.html", status=403, message=render("auth_csrf", language_of(request)))


def _set_cookie(scope: Scope, message: Message, *, clear: bool) -> None:
    """Set the session cookie when a session started in this request; clear a stale one."""
    state: WebSessionState | None = scope.get("kehu.session")
    secure = scope.get("scheme") == "https"
    if state is not None and state.new_cookie:
        cookie = Cookie(key=SESSION_COOKIE, value=state.raw, path="/", httponly=True, samesite="lax", secure=secure)
    elif clear:
        cookie = Cookie(key=SESSION_COOKIE, value="", path="/", httponly=True, samesite="lax", secure=secure, max_age=0)
    else:
        return
    MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))


# --- security headers ------------------------------------------------------------------------

# No inline scripts or styles anywhere in kehu's screens; nothing may frame them.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Litestar's Swagger UI (/schema/swagger, signed-in users only) loads its code from a CDN and
# starts it with an inline script.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://cdn.jsdelivr.net; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",  # customer codes in URLs stay on this site
}


def security_headers(message: Message, scope: Scope) -> None:
    """Litestar `before_send` hook: the headers above on every response, 404s and files included."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    path = scope.get("path", "")
    headers.setdefault("content-security-policy", DOCS_CSP if path.startswith("/schema") else CSP)
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if not path.startswith(PUBLIC[1]):
        headers.setdefault("cache-control", "no-store")  # customer data stays out of shared caches
    if scope.get("scheme") == "https":
        headers.setdefault("strict-transport-security", "max-age=31536000")
