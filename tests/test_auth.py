"""Sign-in, sessions, CSRF, cookies, security headers and API tokens (issue 3; SPEC G7, H5).

Through the real web app (Litestar's TestClient), on a SQLite file and on PostgreSQL (the
`kehu_app` / `make_kehu` fixtures): nothing but /signin and /static answers a signed-out
request; a session id changes at sign-in and the old one is void; sessions end when idle and
at their absolute lifetime; failed sign-ins lock the account and read the same for every
reason; forms and session-authenticated API calls need the CSRF token, token calls do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from importlib import metadata
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from kehu import accounts
from kehu.app import Kehu
from kehu.config import Settings
from kehu.errors import ValidationFailed
from kehu.models import ApiToken, Customer, User, WebSession
from kehu.testing import TEST_PASSWORD, api_headers, csrf_token_of, customer_payload, make_user, sign_in
from kehu.timeutil import now as utc_now
from kehu.web import auth, create_web_app

TAGS_INSTALLED = any(ep.name == "tags" for ep in metadata.entry_points(group="kehu"))
SIGNIN_FAILED_ZH = "用户名或密码错误，或账户因多次登录失败已被暂时锁定"


@contextmanager
def web(app: Kehu, **options) -> Iterator[TestClient]:
    with TestClient(create_web_app(app), **options) as client:
        yield client


@pytest.fixture
def client(kehu_app: Kehu) -> Iterator[TestClient]:
    with web(kehu_app) as client:
        yield client


def session_row(app: Kehu, raw: str) -> WebSession | None:
    with app.db.read() as s:
        return s.scalar(select(WebSession).where(WebSession.id_hash == accounts.digest(raw)))


def set_session_times(app: Kehu, raw: str, **times) -> None:
    with app.db.write() as s:
        s.execute(update(WebSession).where(WebSession.id_hash == accounts.digest(raw)).values(**times))


def customers(app: Kehu) -> int:
    with app.db.read() as s:
        return s.scalar(select(func.count()).select_from(Customer))


def post_signin(client: TestClient, username: str, password: str, **params) -> object:
    token = csrf_token_of(client)
    return client.post("/signin", params=params, data={"_csrf": token, "username": username, "password": password},
                       follow_redirects=False)


# --- nothing without sign-in -------------------------------------------------------------------


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: "1" if m.group(2) == "int" else "x", path)


def test_every_route_but_signin_and_static_needs_a_signed_in_user(make_kehu):
    app = make_kehu(enable=["tags"]) if TAGS_INSTALLED else make_kehu()
    web_app = create_web_app(app)
    checked = 0
    with TestClient(web_app) as client:
        for route in web_app.routes:
            if route.path == auth.SIGNIN or route.path.startswith("/static"):
                continue
            for method in sorted(set(route.methods) - {"OPTIONS", "HEAD"}):
                path = _concrete(route.path)
                response = client.request(method, path, follow_redirects=False)
                where = f"{method} {path}"
                if auth.is_api(path):
                    assert response.status_code == 401, where
                    assert response.json()["error"]["code"] == "not_signed_in", where
                else:
                    assert response.status_code == 303, where
                    assert response.headers["location"].startswith("/signin"), where
                checked += 1
        assert checked > 30  # the API, the OpenAPI document, the screens (and the tags plugin's)
        assert client.get("/signin").status_code == 200
        assert client.get("/static/kehu.css").status_code == 200
        # A signed-out browser opening the API docs is sent to sign in; a program gets 401.
        docs = client.get("/schema/swagger", headers={"Accept": "text/html"}, follow_redirects=False)
        assert docs.status_code == 303 and docs.headers["location"] == "/signin?next=/schema/swagger"
    assert customers(app) == 0


def test_a_signed_out_page_request_comes_back_after_sign_in(kehu_app, client):
    make_user(kehu_app, "wang")
    response = client.get("/account?lang=en", follow_redirects=False)
    assert response.status_code == 303
    target = parse_qs(urlsplit(response.headers["location"]).query)["next"][0]
    assert target == "/account?lang=en"
    signed = post_signin(client, "wang", TEST_PASSWORD, next=target)
    assert signed.status_code == 303 and signed.headers["location"] == "/account?lang=en"
    assert "My account" in client.get(signed.headers["location"]).text


def test_the_form_keeps_next_through_a_failed_attempt(kehu_app, client):
    make_user(kehu_app, "wang")
    form = client.get("/signin", params={"next": "/account"}).text
    assert 'name="next" value="/account"' in form
    csrf = csrf_token_of(client)
    failed = client.post("/signin", data={"_csrf": csrf, "username": "wang", "password": "wrong password!",
                                          "next": "/account"})
    assert failed.status_code == 400 and 'name="next" value="/account"' in failed.text
    signed = client.post("/signin", data={"_csrf": csrf, "username": "wang", "password": TEST_PASSWORD,
                                          "next": "/account"}, follow_redirects=False)
    assert signed.headers["location"] == "/account"


# --- sessions ----------------------------------------------------------------------------------


def test_the_session_id_is_replaced_at_sign_in_and_the_old_one_is_void(kehu_app, client):
    make_user(kehu_app, "wang")
    make_user(kehu_app, "li")
    client.get("/signin")
    before = client.cookies["kehu_session"]
    assert session_row(kehu_app, before).user_id is None  # the sign-in form's own session
    sign_in(client, "wang")
    first = client.cookies["kehu_session"]
    assert first != before and session_row(kehu_app, before) is None
    # Only the hash is stored: a copy of the table signs nobody in.
    row = session_row(kehu_app, first)
    assert row.id_hash == accounts.digest(first) and first not in (row.id_hash, row.csrf_token)

    sign_in(client, "li")  # signing in again (as somebody else) replaces the session once more
    assert client.cookies["kehu_session"] != first and session_row(kehu_app, first) is None
    with web(kehu_app) as other:  # the old id, replayed by another browser
        other.cookies.set("kehu_session", first)
        response = other.get("/account", follow_redirects=False)
        assert response.status_code == 303
        # the dead id is replaced by a fresh signed-out session (which says the old one ended)
        assert "kehu_session=" in response.headers["set-cookie"] and first not in response.headers["set-cookie"]
        assert other.get("/api/customers").status_code == 401
    assert "li" in client.get("/account").text


def test_an_idle_session_ends(kehu_app, client):
    make_user(kehu_app, "wang")
    sign_in(client, "wang")
    raw = client.cookies["kehu_session"]
    set_session_times(kehu_app, raw, last_seen_at=utc_now() - timedelta(minutes=29))
    assert client.get("/account").status_code == 200  # still within 30 minutes: and touched
    assert utc_now() - session_row(kehu_app, raw).last_seen_at < timedelta(minutes=1)
    set_session_times(kehu_app, raw, last_seen_at=utc_now() - timedelta(minutes=31))
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert client.get("/api/customers").status_code == 401


def test_a_session_ends_at_its_absolute_lifetime_however_busy(kehu_app, client):
    make_user(kehu_app, "wang")
    sign_in(client, "wang")
    raw = client.cookies["kehu_session"]
    set_session_times(kehu_app, raw, created_at=utc_now() - timedelta(hours=11, minutes=59))
    assert client.get("/account").status_code == 200
    set_session_times(kehu_app, raw, created_at=utc_now() - timedelta(hours=12, minutes=1))
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_lifetimes_come_from_the_settings(make_kehu, kehu_settings, monkeypatch):
    monkeypatch.setenv("KEHU_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("KEHU_SESSION_MAX_HOURS", "1")
    settings = Settings.from_env(kehu_settings.data_dir, kehu_settings.database_url)
    assert (settings.session_idle_minutes, settings.session_max_hours) == (5, 1)
    app = make_kehu(settings=settings)
    make_user(app, "wang")
    with web(app) as client:
        sign_in(client, "wang")
        raw = client.cookies["kehu_session"]
        set_session_times(app, raw, last_seen_at=utc_now() - timedelta(minutes=6))
        assert client.get("/account", follow_redirects=False).status_code == 303
    monkeypatch.setenv("KEHU_SESSION_IDLE_MINUTES", "soon")
    with pytest.raises(ValueError, match="KEHU_SESSION_IDLE_MINUTES"):
        Settings.from_env()


def test_last_seen_is_written_at_most_once_a_minute(kehu_app, client):
    make_user(kehu_app, "wang")
    sign_in(client, "wang")
    raw = client.cookies["kehu_session"]
    moment = utc_now() - timedelta(seconds=30)
    set_session_times(kehu_app, raw, last_seen_at=moment)
    client.get("/api/customers")
    assert session_row(kehu_app, raw).last_seen_at == moment  # not written again
    set_session_times(kehu_app, raw, last_seen_at=utc_now() - timedelta(minutes=2))
    client.get("/api/customers")
    assert utc_now() - session_row(kehu_app, raw).last_seen_at < timedelta(seconds=30)


def test_sign_out_ends_the_session_and_says_so_once(kehu_app, client):
    make_user(kehu_app, "wang")
    csrf = sign_in(client, "wang")
    raw = client.cookies["kehu_session"]
    response = client.post("/signout", data={"_csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert session_row(kehu_app, raw) is None and client.cookies["kehu_session"] != raw
    page = client.get("/signin").text
    assert "您已退出登录。" in page
    assert "您已退出登录。" not in client.get("/signin").text  # a flash is shown once
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_deactivated_user_is_signed_out_and_their_tokens_stop(kehu_app, client):
    make_user(kehu_app, "wang")
    headers = api_headers(kehu_app, "wang")
    sign_in(client, "wang")
    with kehu_app.db.write() as s:
        s.execute(update(User).where(User.username == "wang").values(is_active=False))
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert client.get("/api/customers", headers=headers).status_code == 401
    assert post_signin(client, "wang", TEST_PASSWORD).status_code == 400


# --- passwords and lockout ---------------------------------------------------------------------


def test_passwords_are_argon2id_and_rehashed_when_the_parameters_change(kehu_app, monkeypatch):
    make_user(kehu_app, "wang", password=None)
    with kehu_app.db.write() as s:
        accounts.set_password(s, s.scalar(select(User).where(User.username == "wang")), "long enough secret")
    with kehu_app.db.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "wang"))
    assert stored.startswith("$argon2id$") and "long enough secret" not in stored
    assert not accounts.HASHER.check_needs_rehash(stored)

    # Other parameters than kehu's own (kehu.testing makes them cheap for tests): an older kehu's, say.
    weak = PasswordHasher(time_cost=accounts.HASHER.time_cost + 1, memory_cost=2048, parallelism=2)
    with kehu_app.db.write() as s:
        s.execute(update(User).where(User.username == "wang").values(password_hash=weak.hash("long enough secret")))
    assert accounts.authenticate(kehu_app.db, "wang", "long enough secret") is not None
    with kehu_app.db.read() as s:
        rehashed = s.scalar(select(User.password_hash).where(User.username == "wang"))
    assert rehashed.startswith("$argon2id$") and not accounts.HASHER.check_needs_rehash(rehashed)
    assert accounts.authenticate(kehu_app.db, "wang", "long enough secret") is not None


@pytest.mark.parametrize(("password", "rule", "zh", "en"), [
    ("short", "account_password_short", "密码至少需要 10 个字符", "The password must be at least 10 characters long"),
    ("wang-is-my-password", "account_password_username", "密码不能包含用户名", "The password must not contain the username"),
    ("x" * 257, "account_password_long", "密码最多 256 个字符", "The password must be at most 256 characters long"),
    ("", "required", "密码为必填项", "Password is required"),
])
def test_a_refused_password_says_why_and_changes_nothing(kehu_app, password, rule, zh, en):
    user = make_user(kehu_app, "wang")
    with pytest.raises(ValidationFailed) as caught, kehu_app.db.write() as s:
        accounts.set_password(s, user, password)
    [error] = caught.value.errors
    assert (error.field, error.rule) == ("password", rule)
    assert error.message("zh", label="密码") == zh and error.message("en", label="Password") == en
    assert accounts.authenticate(kehu_app.db, "wang", TEST_PASSWORD) is not None  # the old one still works


def test_unknown_user_wrong_password_and_locked_account_read_the_same(kehu_app, client):
    make_user(kehu_app, "wang")
    make_user(kehu_app, "li")
    answers = []
    for username, password in (("nobody", TEST_PASSWORD), ("wang", "wrong password!")):
        response = post_signin(client, username, password)
        answers.append((response.status_code, re.search(r'role="alert"[^>]*>([^<]+)<', response.text).group(1)))
        assert f'value="{username}"' in response.text  # the username is kept
        assert session_row(kehu_app, client.cookies["kehu_session"]).user_id is None  # still signed out
    for _ in range(accounts.MAX_FAILURES - 1):
        post_signin(client, "wang", "wrong password!")
    with kehu_app.db.read() as s:
        wang = s.scalar(select(User).where(User.username == "wang"))
    assert accounts.is_locked(wang) and wang.locked_until - utc_now() > timedelta(minutes=14)

    locked = post_signin(client, "wang", TEST_PASSWORD)  # the right password, while locked
    answers.append((locked.status_code, re.search(r'role="alert"[^>]*>([^<]+)<', locked.text).group(1)))
    assert answers == [(400, SIGNIN_FAILED_ZH)] * 3
    assert client.get("/account", follow_redirects=False).status_code == 303
    # Another account is not affected; English says the same in English.
    assert "Wrong username or password" in post_signin(client, "wang", TEST_PASSWORD, lang="en").text
    assert post_signin(client, "li", TEST_PASSWORD).status_code == 303

    with kehu_app.db.write() as s:  # the lock runs out
        s.execute(update(User).where(User.username == "wang").values(locked_until=utc_now() - timedelta(seconds=1)))
    assert post_signin(client, "wang", TEST_PASSWORD).status_code == 303
    with kehu_app.db.read() as s:
        wang = s.scalar(select(User).where(User.username == "wang"))
    assert (wang.failed_sign_ins, wang.locked_until) == (0, None)


def test_a_success_resets_the_failure_count(kehu_app):
    make_user(kehu_app, "wang")
    for _ in range(accounts.MAX_FAILURES - 1):
        assert accounts.authenticate(kehu_app.db, "wang", "wrong password!") is None
    assert accounts.authenticate(kehu_app.db, "WANG ", TEST_PASSWORD) is not None  # case and blanks forgiven
    for _ in range(accounts.MAX_FAILURES - 1):
        assert accounts.authenticate(kehu_app.db, "wang", "wrong password!") is None
    assert accounts.authenticate(kehu_app.db, "wang", TEST_PASSWORD) is not None  # not locked


def test_the_system_user_and_users_without_a_password_cannot_sign_in(kehu_app):
    make_user(kehu_app, "tokens_only", password=None)
    assert accounts.authenticate(kehu_app.db, "system", "") is None
    assert accounts.authenticate(kehu_app.db, "tokens_only", "") is None
    assert accounts.authenticate(kehu_app.db, "tokens_only", TEST_PASSWORD) is None


def test_changing_my_password_needs_the_current_one_and_ends_my_other_sessions(kehu_app, client):
    make_user(kehu_app, "wang")
    with web(kehu_app) as laptop:
        sign_in(laptop, "wang")
        csrf = sign_in(client, "wang")
        refused = client.post("/account/password", data={
            "_csrf": csrf, "current_password": "not it at all", "password": "short", "password_again": "short"})
        assert refused.status_code == 400
        assert "当前密码不正确" in refused.text and "密码至少需要 10 个字符" in refused.text
        assert accounts.authenticate(kehu_app.db, "wang", TEST_PASSWORD) is not None

        changed = client.post("/account/password", data={
            "_csrf": csrf, "current_password": TEST_PASSWORD, "password": "a new long secret",
            "password_again": "a new long secret"})
        assert changed.status_code == 200 and "密码已修改" in changed.text
        assert client.get("/account").status_code == 200  # this session stays
        assert laptop.get("/account", follow_redirects=False).status_code == 303  # the other one ended
    assert accounts.authenticate(kehu_app.db, "wang", "a new long secret") is not None
    # A refused form answers on its own URL; reloading that URL (or switching the language there) lands here.
    for path in ("/account/password", "/account/preferences", "/account/tokens"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/account"


# --- CSRF --------------------------------------------------------------------------------------


def test_forms_need_the_csrf_token(kehu_app, client):
    make_user(kehu_app, "wang")
    csrf = sign_in(client, "wang")
    for data in ({}, {"_csrf": "wrong"}, {"_csrf": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")}):
        response = client.post("/account/preferences", data={**data, "language": "en", "timezone": ""})
        assert response.status_code == 403, data
        assert "表单已失效或并非来自 kehu" in response.text and "<form" in response.text  # a page, not JSON
    # The token in a header does as well as in the form.
    assert client.post("/account/preferences", data={"language": "", "timezone": "Europe/Berlin"},
                       headers={"X-CSRF-Token": csrf}, follow_redirects=False).status_code == 303
    with kehu_app.db.read() as s:
        assert s.scalar(select(User.timezone).where(User.username == "wang")) == "Europe/Berlin"
    # Read by the check, the form is still there for the handler.
    response = client.post("/account/preferences", data={"_csrf": csrf, "language": "en", "timezone": "Asia/Tokyo"},
                           follow_redirects=False)
    assert response.status_code == 303
    with kehu_app.db.read() as s:
        user = s.scalar(select(User).where(User.username == "wang"))
    assert (user.language, user.timezone) == ("en", "Asia/Tokyo")


def test_a_session_api_call_needs_the_csrf_token_and_a_token_call_does_not(kehu_app, client):
    make_user(kehu_app, "wang")
    csrf = sign_in(client, "wang")
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        response = client.post("/api/customers", json=customer_payload(), headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "csrf_failed"
    assert customers(kehu_app) == 0
    assert client.get("/api/customers").status_code == 200  # reading needs no token
    assert client.post("/api/customers", json=customer_payload(), headers={"X-CSRF-Token": csrf}).status_code == 201

    with web(kehu_app) as program:
        response = program.post("/api/customers", json=customer_payload(), headers=api_headers(kehu_app, "wang"))
        assert response.status_code == 201, response.text
    assert customers(kehu_app) == 2


def test_the_sign_in_form_has_a_csrf_token_too(kehu_app, client):
    make_user(kehu_app, "wang")
    response = client.post("/signin", data={"username": "wang", "password": TEST_PASSWORD}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert client.get("/account", follow_redirects=False).status_code == 303  # not signed in
    assert "登录表单已失效，请重新登录" in client.get("/signin").text


def test_a_token_on_a_screen_is_not_a_sign_in(kehu_app, client):
    headers = api_headers(kehu_app, "wang")
    assert client.get("/account", headers=headers, follow_redirects=False).status_code == 303
    assert client.get("/api/customers", headers=headers).status_code == 200


# --- API tokens --------------------------------------------------------------------------------


def test_tokens_are_shown_once_stored_hashed_and_revocable(kehu_app, client):
    make_user(kehu_app, "wang")
    csrf = sign_in(client, "wang")
    created = client.post("/account/tokens", data={"_csrf": csrf, "name": "报表脚本", "expires_days": ""})
    assert created.status_code == 200
    secret = re.search(r'id="new-token">(kehu_[A-Za-z0-9_-]+)<', created.text).group(1)
    assert secret not in client.get("/account").text  # only on the page answering the POST
    with kehu_app.db.read() as s:
        [row] = s.scalars(select(ApiToken))
    assert row.token_hash == accounts.digest(secret) and row.prefix == secret[:12] and row.last_used_at is None

    with web(kehu_app) as program:
        assert program.get("/api/customers", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        with kehu_app.db.read() as s:
            assert s.get(ApiToken, row.id).last_used_at is not None
        revoked = client.post(f"/account/tokens/{row.id}/revoke", data={"_csrf": csrf})
        assert revoked.status_code == 200 and "令牌“报表脚本”已撤销。" in revoked.text
        response = program.get("/api/customers", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "API 令牌无效、已撤销或已过期"


def test_expired_tokens_and_other_users_tokens(kehu_app, client):
    make_user(kehu_app, "wang")
    make_user(kehu_app, "li")
    with kehu_app.db.write() as s:
        secret, row = accounts.create_token(s, s.scalar(select(User).where(User.username == "li")), "li", expires_days=1)
        token_id = row.id
    with web(kehu_app) as program:
        assert program.get("/api/customers", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        with kehu_app.db.write() as s:
            s.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at=utc_now() - timedelta(seconds=1)))
        assert program.get("/api/customers", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    csrf = sign_in(client, "wang")
    response = client.post(f"/account/tokens/{token_id}/revoke", data={"_csrf": csrf}, follow_redirects=False)
    assert response.status_code == 404  # not wang's to revoke
    with kehu_app.db.read() as s:
        assert s.get(ApiToken, token_id).revoked_at is None


def test_a_token_name_is_required_and_days_are_bounded(kehu_app, client):
    make_user(kehu_app, "wang")
    csrf = sign_in(client, "wang")
    response = client.post("/account/tokens?lang=en", data={"_csrf": csrf, "name": " ", "expires_days": "99999"})
    assert response.status_code == 400
    assert "Token name is required" in response.text and "A token lasts from 1 to 3650 days" in response.text
    with kehu_app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 0


# --- cookies and headers -----------------------------------------------------------------------


def _cookie_flags(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(kehu_app):
    make_user(kehu_app, "wang")
    with web(kehu_app) as plain:
        header = plain.get("/signin").headers["set-cookie"]
        assert header.startswith("kehu_session=") and "SameSite=lax" in header
        assert _cookie_flags(header) == {"httponly", "path", "samesite"}
    with web(kehu_app, base_url="https://testserver.local") as tls:
        header = tls.get("/signin").headers["set-cookie"]
        assert _cookie_flags(header) == {"httponly", "path", "samesite", "secure"}
        sign_in(tls, "wang")  # the signed-in session's cookie too
        assert tls.get("/account").status_code == 200
        response = tls.get("/account")
        assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/signin", "/static/kehu.css", "/api/customers", "/account", "/no/such/page"])
def test_security_headers_are_on_every_response(kehu_app, client, path):
    make_user(kehu_app, "wang")
    sign_in(client, "wang")
    response = client.get(path, follow_redirects=False)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    with web(kehu_app) as stranger:
        signed_out = stranger.get(path, follow_redirects=False)
        assert signed_out.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in signed_out.headers["content-security-policy"]


# --- where to go after sign-in -----------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "/\t/evil.example", "http:/evil.example", "evil.example", "/signout",
])
def test_next_must_be_a_path_on_this_site(kehu_app, client, target):
    make_user(kehu_app, "wang")
    response = post_signin(client, "wang", TEST_PASSWORD, next=target)
    assert response.status_code == 303 and response.headers["location"] == "/customers"
    csrf = csrf_token_of(client)
    switched = client.post("/account/language", data={"_csrf": csrf, "language": "en", "next": target},
                           follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/customers"


def test_a_local_next_is_followed(kehu_app, client):
    make_user(kehu_app, "wang")
    response = post_signin(client, "wang", TEST_PASSWORD, next="/customers?grade=A&lang=en")
    assert response.headers["location"] == "/customers?grade=A&lang=en"
    assert auth.safe_next("/customers/CUS20240501001#history") == "/customers/CUS20240501001#history"


# --- language and time zone --------------------------------------------------------------------


def test_the_language_switch_is_remembered_for_the_user(kehu_app, client):
    make_user(kehu_app, "wang")
    csrf = sign_in(client, "wang")
    assert "我的账户" in client.get("/account").text  # Chinese by default
    assert "My account" in client.get("/account", headers={"Accept-Language": "en"}).text
    response = client.post("/account/language", data={"_csrf": csrf, "language": "en", "next": "/account?lang=zh&x=1"},
                           follow_redirects=False)
    assert response.headers["location"] == "/account?x=1"  # ?lang= would outrank the saved choice
    assert "My account" in client.get("/account").text
    assert "我的账户" in client.get("/account?lang=zh").text  # ?lang= still wins
    problem = client.get("/api/customers?limit=many").json()["error"]
    assert problem["message"].startswith("Bad request")  # the API speaks the user's language too
    with web(kehu_app) as elsewhere:  # remembered for the user, not the browser
        sign_in(elsewhere, "wang")
        assert "My account" in elsewhere.get("/account").text
    refused = client.post("/account/language", data={"_csrf": csrf, "language": "fr", "next": "/account"})
    assert "The language must be zh (中文) or en (English)" in refused.text


def test_times_are_shown_in_the_users_zone(kehu_app, client):
    make_user(kehu_app, "wang")
    csrf = sign_in(client, "wang")
    assert "Asia/Shanghai" in client.get("/account").text
    refused = client.post("/account/preferences", data={"_csrf": csrf, "language": "", "timezone": "Mars/Olympus"})
    assert refused.status_code == 400 and "“Mars/Olympus”不是有效的时区" in refused.text
    client.post("/account/preferences", data={"_csrf": csrf, "language": "", "timezone": "Europe/London"})
    assert "时间显示时区： Europe/London" in client.get("/account").text


# --- the command line --------------------------------------------------------------------------


def test_users_commands(kehu_settings):
    from kehu import cli as kehu_cli

    runner = CliRunner()

    def kehu(*args: str, input: str | None = None):
        options = ["--data-dir", str(kehu_settings.data_dir), "--database-url", kehu_settings.database_url]
        return runner.invoke(kehu_cli.cli, [*options, *args], input=input, prog_name="kehu")

    added = kehu("users", "add", "WangFang", "--name", "王芳", "--password-stdin", input="correct horse 42\n")
    assert added.exit_code == 0, added.output
    assert "已添加用户 wangfang（王芳）" in added.output
    refused = kehu("--lang", "en", "users", "add", "x", "--name", "", "--password-stdin", input="short\n")
    assert refused.exit_code == 2
    assert "USERNAME: A username is 2 to 64" in refused.output and "--password: The password must be at least" in refused.output
    assert "--name: Display name is required" in refused.output
    assert kehu("users", "add", "wangfang", "--name", "又一个", "--no-password").exit_code == 2  # taken

    prompted = kehu("users", "passwd", "wangfang", input="another long one\nanother long one\n")
    assert prompted.exit_code == 0, prompted.output
    token = kehu("users", "token", "wangfang", "--name", "报表脚本")
    assert token.exit_code == 0
    secret = token.stdout.strip()
    assert secret.startswith("kehu_") and "只显示这一次" in token.stderr
    assert kehu("users", "passwd", "system", "--password-stdin", input="whatever long\n").exit_code == 2
    listed = kehu("users", "list")
    assert re.search(r"wangfang\s+王芳\s+在职\s+是\s+1", listed.output), listed.output

    app = Kehu(kehu_settings)
    try:
        assert accounts.authenticate(app.db, "wangfang", "another long one") is not None
        with web(app) as client:
            response = client.get("/api/customers", headers={"Authorization": f"Bearer {secret}"})
            assert response.status_code == 200
    finally:
        app.close()
