"""Sign-in, sign-out and "my account" screens (issue 3; SPEC G7: every change names a person).

- `/signin` (public): username and password; a failure says the same for an unknown user, a
  wrong password and a locked account, and keeps the username.  Success starts a new session
  and goes to `next` when it is a path on this site.
- `/signout` ends the session.
- `/account`: who I am, my password, language and time zone, my personal API tokens (the secret
  is shown once, on the page answering the POST, and never stored).
- `/account/language`: the language switch of the top bar, remembered for the user.

Forms post back with Post/Redirect/Get and a flash message, or show the form again (400) with
each error next to its field and nothing saved.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from kehu import accounts
from kehu.errors import ValidationFailed
from kehu.i18n import LANGUAGES, N_, gettext
from kehu.messages import render
from kehu.models import User
from kehu.web import auth
from kehu.web.deps import ActorDep, KehuDep, LangDep, language_of
from kehu.web.screens import HANDLERS
from kehu.web.screens.render import page

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
INVALID = 400  # a form shown again with its errors


def _one(form: dict[str, Any], key: str) -> str:
    value = form.get(key, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def _errors(exc: ValidationFailed, lang: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in exc.errors:
        out.setdefault(e.field, []).append(e.message(lang, label=accounts.label(e.field, lang)))
    return out


def _redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


# --- sign-in and sign-out --------------------------------------------------------------------


def _signin_page(request: Request, lang: str, *, username: str = "", error: str = "", status: int = 200,
                 next_path: str = "") -> Response:
    auth.ensure_session(request)  # the form's CSRF token lives in a (signed-out) session
    nxt = auth.safe_next(next_path or request.query_params.get("next") or "", "")
    return page(request, "kehu/signin.html", status=status, lang=lang, username=username, error=error, next=nxt,
                asked_lang=request.query_params.get("lang") if request.query_params.get("lang") in LANGUAGES else "")


@get("/signin", sync_to_thread=True, include_in_schema=False)
def signin_form(request: Request, lang: LangDep) -> Response:
    if request.scope.get("user") is not None:  # already signed in
        return _redirect(auth.safe_next(request.query_params.get("next")))
    return _signin_page(request, lang)


@post("/signin", sync_to_thread=True, include_in_schema=False)
def signin(request: Request, data: Form, kehu: KehuDep, lang: LangDep) -> Response:
    username = _one(data, "username").strip()
    password = _one(data, "password")
    next_path = request.query_params.get("next") or _one(data, "next")
    user: User | None = accounts.authenticate(kehu.db, username, password) if username and password else None
    if user is None:
        auth.log.info("sign-in refused: %r", username[:64])
        return _signin_page(request, lang, username=username, status=INVALID, next_path=next_path,
                            error=render("account_sign_in_failed", lang))
    auth.sign_in(request, user)
    return _redirect(auth.safe_next(next_path))


@post("/signout", sync_to_thread=True, include_in_schema=False)
def signout(request: Request, lang: LangDep) -> Response:
    auth.sign_out(request)
    auth.flash(request, "success", gettext(lang, N_("You have signed out.")))
    return _redirect(auth.SIGNIN)


# --- my account ------------------------------------------------------------------------------


def _account_page(request: Request, kehu: Any, actor: Any, lang: str, *, errors: dict[str, list[str]] | None = None,
                  form: dict[str, Any] | None = None, new_token: str = "", status: int = 200) -> Response:
    with kehu.db.read() as session:
        user = session.get(User, actor.id)
        tokens = accounts.list_tokens(session, actor)
        department = user.department.name if user.department else ""
    prefs = {"language": user.language or "", "timezone": user.timezone or ""}
    return page(request, "kehu/account.html", status=status, lang=lang, actor=actor, user=user,
                department=department, tokens=tokens, errors=errors or {}, form={**prefs, **(form or {})},
                new_token=new_token, zones=accounts.timezone_names(), default_zone=kehu.settings.timezone,
                min_password=accounts.MIN_PASSWORD, usable=accounts.token_usable,
                labels={k: accounts.label(k, lang) for k in accounts.LABELS})


@get("/account", sync_to_thread=True, include_in_schema=False)
def account(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return _account_page(request, kehu, actor, lang)


@get(["/account/password", "/account/preferences", "/account/tokens"], sync_to_thread=False, include_in_schema=False)
def account_again() -> Redirect:
    """These forms answer a refusal (or a new token) on their own URL; reloading it, or the language
    switch on that page, comes back to the account page rather than to a 405."""
    return _redirect("/account")


@post("/account/password", sync_to_thread=True, include_in_schema=False)
def account_password(request: Request, data: Form, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    state = request.scope.get("kehu.session")
    try:
        with kehu.db.write() as session:
            accounts.change_password(session, actor, _one(data, "current_password"), _one(data, "password"),
                                     _one(data, "password_again"), keep_session=state.raw if state else None)
    except ValidationFailed as exc:
        return _account_page(request, kehu, actor, lang, errors=_errors(exc, lang), status=INVALID)
    auth.flash(request, "success", gettext(lang, N_("Your password has been changed; your other sessions have ended.")))
    return _redirect("/account")


@post("/account/preferences", sync_to_thread=True, include_in_schema=False)
def account_preferences(request: Request, data: Form, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = {"language": _one(data, "language"), "timezone": _one(data, "timezone")}
    try:
        with kehu.db.write() as session:
            user = accounts.set_preferences(session, actor, language=form["language"], timezone=form["timezone"])
    except ValidationFailed as exc:
        return _account_page(request, kehu, actor, lang, errors=_errors(exc, lang), form=form, status=INVALID)
    auth.flash(request, "success", gettext(user.language or "zh", N_("Your preferences are saved.")))
    return _redirect("/account")


def _without_lang(path: str) -> str:
    """`path` without a `lang=` query parameter, which would otherwise win over the saved choice."""
    parts = urlsplit(path)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return urlunsplit(("", "", parts.path, query, parts.fragment))


@post("/account/language", sync_to_thread=True, include_in_schema=False)
def account_language(request: Request, data: Form, kehu: KehuDep, actor: ActorDep) -> Response:
    """The top bar's language switch: remembered for the user, then back where they were."""
    back = _without_lang(auth.safe_next(_one(data, "next")))
    try:
        with kehu.db.write() as session:
            accounts.set_language(session, actor, _one(data, "language"))
    except ValidationFailed as exc:
        lang = language_of(request)
        auth.flash(request, "error", exc.errors[0].message(lang))
    return _redirect(back)


@post("/account/tokens", sync_to_thread=True, include_in_schema=False)
def token_create(request: Request, data: Form, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = {"name": _one(data, "name"), "expires_days": _one(data, "expires_days")}
    try:
        with kehu.db.write() as session:
            secret, _ = accounts.create_token(session, actor, form["name"], expires_days=form["expires_days"])
    except ValidationFailed as exc:
        return _account_page(request, kehu, actor, lang, errors=_errors(exc, lang), form=form, status=INVALID)
    auth.log.info("API token created by %s", actor.username)
    # Shown on this page only: a flash would keep the secret in the session table.
    return _account_page(request, kehu, actor, lang, new_token=secret)


@post("/account/tokens/{token_id:int}/revoke", sync_to_thread=True, include_in_schema=False)
def token_revoke(request: Request, token_id: FromPath[int], kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    with kehu.db.write() as session:
        token = accounts.revoke_token(session, actor, token_id)  # another user's token: 404
        name = token.name
    auth.log.info("API token %s revoked by %s", token_id, actor.username)
    auth.flash(request, "success", gettext(lang, N_("The token “%(name)s” is revoked.")) % {"name": name})
    return _redirect("/account")


# One router, not bare handlers: Litestar registers a route's handlers again whenever another
# handler joins the same path (GET and POST /signin) or another app mounts them (the tests), and a
# sync handler registered twice is wrapped for a thread twice — it then answers a coroutine.
HANDLERS.append(Router(path="/", route_handlers=[signin_form, signin, signout, account, account_again, account_password,
                                                 account_preferences, account_language, token_create, token_revoke]))
