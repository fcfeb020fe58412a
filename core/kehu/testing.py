"""pytest fixtures for kehu and for plugin authors (installed as the `kehu` pytest plugin).

Every test that takes `database_url` (or a fixture built on it) runs twice: on a fresh SQLite
file and on a fresh PostgreSQL database.  PostgreSQL tests are skipped, with the reason shown,
when no server is reachable — unless `KEHU_REQUIRE_POSTGRESQL=1` (set by `.ci/run`), which turns
the skip into a failure so CI cannot pass without them.

    def test_my_plugin(make_kehu):
        app = make_kehu(enable=["tags"], extra_plugins=[my_plugin_module])
"""

from __future__ import annotations

import atexit
import os
import types
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from kehu.app import Kehu
from kehu.config import Settings

PG_ADMIN_URL = os.environ.get("KEHU_TEST_POSTGRESQL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgresql_problem() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any reason at all means: no usable server
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"


_pg_problem: list[str | None] = []


def postgresql_problem() -> str | None:
    if not _pg_problem:
        _pg_problem.append(_postgresql_problem())
    return _pg_problem[0]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against a PostgreSQL server")
    # Tests sign in hundreds of times: argon2id with small parameters there (still argon2id, the
    # same code path), not the production cost of ~64 MiB and a good part of a second per hash.
    from argon2 import PasswordHasher

    from kehu import accounts

    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _require_postgresql() -> None:
    problem = postgresql_problem()
    if problem is None:
        return
    if os.environ.get("KEHU_REQUIRE_POSTGRESQL") == "1":
        pytest.fail(f"{problem} (KEHU_REQUIRE_POSTGRESQL=1)")
    pytest.skip(problem)


_pg_database: list[str] = []


def create_postgresql_database() -> tuple[str, Callable[[], None]]:
    """A URL of a fresh, empty schema (as good as a new database) and the function that drops it.

    One database per test session holds one schema per test: creating and dropping a schema
    takes milliseconds, a database seconds.  The schema is the connection's search_path.
    """
    _require_postgresql()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    if not _pg_database:
        name = f"kehu_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        _pg_database.append(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
        atexit.register(_drop_database, name)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    database = create_engine(_pg_database[0], isolation_level="AUTOCOMMIT")
    with database.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with database.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        database.dispose()

    admin.dispose()
    return f"{_pg_database[0]}?options=-csearch_path%3D{schema}", drop


def _drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, then a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kehu.db'}"
        return
    url, drop = create_postgresql_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def other_database_settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a second fresh database of the same kind as `database_url` (to compare two runs)."""
    if database_url.startswith("sqlite"):
        yield Settings(data_dir=tmp_path / "other", database_url=f"sqlite:///{tmp_path / 'other.db'}")
        return
    url, drop = create_postgresql_database()
    try:
        yield Settings(data_dir=tmp_path / "other", database_url=url)
    finally:
        drop()


def make_plugin(name: str, depends: tuple[str, ...] = (), **hooks: Callable[..., Any]) -> Any:
    """A throwaway plugin: a manifest plus the given hook implementations, for `extra_plugins`.

        counter = make_plugin("counter", customers_saved=lambda saved: calls.append(len(saved)))
        app = make_kehu(enable=["counter"], extra_plugins=[counter])
    """
    from kehu.hookspecs import hookimpl
    from kehu.plugins import Manifest

    @hookimpl
    def register_manifest():
        return Manifest(name=name, label_zh=name, label_en=name, depends=depends)

    plugin = types.SimpleNamespace(__name__=f"kehu_test_plugin_{name}", register_manifest=register_manifest)
    for hook_name, fn in hooks.items():
        setattr(plugin, hook_name, hookimpl(fn))
    return plugin


@pytest.fixture
def kehu_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def make_kehu(kehu_settings: Settings) -> Iterator[Callable[..., Kehu]]:
    """Build apps on the test's database: `make_kehu(enable=[...], extra_plugins=[...])`.

    `enable` names plugins to enable first (installed ones or those in `extra_plugins`).
    Apps built by one test share its database, as several server processes would.
    """
    apps: list[Kehu] = []

    def factory(enable: list[str] = (), extra_plugins: list[Any] = (), settings: Settings | None = None) -> Kehu:
        settings = settings or kehu_settings
        app = Kehu(settings, extra_plugins=extra_plugins)
        apps.append(app)
        if enable:
            for name in enable:
                app.set_plugin_enabled(name, True)
            app = Kehu(settings, extra_plugins=extra_plugins)
            apps.append(app)
        return app

    yield factory
    for app in apps:
        app.close()


@pytest.fixture
def kehu_app(make_kehu: Callable[..., Kehu]) -> Kehu:
    """An app with core only, on a fresh database."""
    return make_kehu()


_serial = iter(range(1, 10**9))


def valid_uscc(n: int) -> str:
    """A valid Unified Social Credit Code (GB 32100) distinct for each `n`."""
    from stdnum.cn import uscc

    body = f"91310000{n:09d}"
    return body + uscc.calc_check_digit(body)


def customer_payload(**overrides: Any) -> dict[str, Any]:
    """A valid enterprise customer for create calls; every call gets a new credit code."""
    n = next(_serial)
    data: dict[str, Any] = {
        "customer_type": "enterprise",
        "name": f"上海测试{n}号信息科技有限公司",
        "credit_code": valid_uscc(n),
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": f"张江路{n}号",
        "industry": "I65",
        "grade": "B",
        "contacts": [{"name": "张伟", "title": "采购经理", "mobile": "13812345678", "email": f"zw{n}@example.com"}],
    }
    data.update(overrides)
    return data


# --- signed-in users (kehu.accounts, kehu.web.auth) ----------------------------------------------

TEST_PASSWORD = "correct-horse-battery"  # what make_user gives a user unless told otherwise


def make_user(kehu: Kehu, username: str, password: str | None = TEST_PASSWORD, **fields: Any) -> Any:
    """Add an active user who can sign in with `password` (None: no password); returns the `User`.

    `fields` set other columns, e.g. `display_name="王芳"`, `department_id=3`, `language="en"`,
    `is_active=False`.  The display name defaults to the username.

        user = make_user(kehu_app, "wangfang", display_name="王芳")
    """
    from kehu.accounts import HASHER
    from kehu.models import User

    with kehu.db.write() as session:
        user = User(username=username, display_name=fields.pop("display_name", username),
                    password_hash=HASHER.hash(password) if password is not None else None, **fields)
        session.add(user)
        session.flush()
        return user


def api_headers(kehu: Kehu, username: str, **user_fields: Any) -> dict[str, str]:
    """`{"Authorization": "Bearer kehu_..."}` with a fresh personal API token of `username`.

    The user is created first (as by `make_user`, without a password) when there is none, so
    a test needs one line to call the API as somebody:

        client.get("/api/customers", headers=api_headers(kehu_app, "sales1"))
        client.headers.update(api_headers(kehu_app, "tester"))  # every call of this client
    """
    from sqlalchemy import select

    from kehu.accounts import create_token
    from kehu.models import User

    with kehu.db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=user_fields.pop("display_name", username), **user_fields)
            session.add(user)
            session.flush()
        secret, _ = create_token(session, user, f"tests {username}")
    return {"Authorization": f"Bearer {secret}"}


def sign_in(client: Any, username: str, password: str = TEST_PASSWORD) -> str:
    """Sign `client` (a Litestar TestClient) in through the real sign-in form; returns the CSRF token.

    Gets a page with a form (which starts a signed-out session with its CSRF token), posts the
    sign-in form and checks that it redirected (303).  The client then carries the session
    cookie; send the returned token with every POST/PUT/PATCH/DELETE, as the `_csrf` form field
    or the `X-CSRF-Token` header:

        make_user(kehu_app, "wangfang", display_name="王芳")
        csrf = sign_in(client, "wangfang")
        client.post("/account/language", data={"_csrf": csrf, "language": "en", "next": "/customers"})
        client.patch("/api/customers/CUS...", json={...}, headers={"X-CSRF-Token": csrf})
    """
    token = csrf_token_of(client)
    response = client.post("/signin", data={"_csrf": token, "username": username, "password": password},
                           follow_redirects=False)
    assert response.status_code == 303, f"sign-in as {username!r} failed ({response.status_code}): {response.text[:500]}"
    return csrf_token_of(client)


def csrf_token_of(client: Any) -> str:
    """The CSRF token of the session `client` has now (it changes at sign-in and sign-out).

    Read from /account, or from the sign-in page that /account sends a signed-out client to.
    """
    response = client.get("/account", follow_redirects=True)
    assert response.status_code == 200, response.text
    return _csrf_in(response.text)


def _csrf_in(html: str) -> str:
    import re

    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)
