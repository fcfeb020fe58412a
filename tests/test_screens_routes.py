"""Every route of the web app, enumerated from the app itself (issue 3, SPEC G7, H5):

- signed out, nothing but /signin and /static answers with content (screens → /signin, API → 401);
- signed in with a session, every unsafe request without a valid CSRF token is refused (403);
- signed in, every screen renders.

A new route is covered without editing this file — unless it takes a path parameter this file
does not know yet, which fails `test_every_path_parameter_is_known` on purpose.
"""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from kehu import customfields, directory, records
from kehu.models import ChangeLog, User
from kehu.testing import customer_payload, make_user, sign_in
from kehu.web import create_web_app

OPEN = ("/signin", "/static/")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


@pytest.fixture
def site(make_kehu):
    """An app with the tags plugin and one of everything a path can name."""
    app = make_kehu(enable=["tags"])
    actor = app.system_actor
    customer = records.create_customer(app, actor, customer_payload(tags=["区域-华东"]))
    department = directory.create_department(app, actor, {"name": "华东销售部"})
    user = make_user(app, "lisi", display_name="李四")
    customfields.add_field(app, actor, {"key": "wechat_group", "label_zh": "微信群", "label_en": "WeChat group",
                                        "type": "text", "category": "interactions"})
    from kehu.accounts import create_token
    from kehu_tags import service

    with app.db.write() as session:
        _, token = create_token(session, session.get(User, user.id), "laptop")
    with app.db.read() as session:
        tag = service.read_tags(app, session, actor)[0]
    app = make_kehu()  # a fresh app sees the custom field, as a new server process would
    values = {
        "code": customer.code, "contact_id": str(customer.contacts[0].id), "department_id": str(department),
        "user_id": str(user.id), "key": "wechat_group", "name": "tags", "token_id": str(token.id),
        "tag_id": str(tag["id"]), "file_path": "kehu.css", "path": "openapi.json",
        "role_key": "sales", "policy_id": "1",
    }
    return app, values


def routes(app):
    web = create_web_app(app)
    for route in web.routes:
        for method in sorted(getattr(route, "methods", ()) or ()):
            if method not in ("OPTIONS", "HEAD"):
                yield web, method, route.path


def concrete(path: str, values: dict[str, str]) -> str:
    return PARAMETER.sub(lambda m: values[m.group(1)], path)


def is_open(path: str) -> bool:
    return path == "/signin" or path.startswith("/static/")


def changes(app) -> int:
    with app.db.read() as session:
        return session.scalar(select(func.count()).select_from(ChangeLog))


def test_every_path_parameter_is_known(site):
    app, values = site
    unknown = {name for _, _, path in routes(app) for name in PARAMETER.findall(path) if name not in values}
    assert not unknown, f"add sample values for {unknown} so the route checks reach those routes"


def test_signed_out_nothing_answers_but_sign_in_and_static(site):
    app, values = site
    before = changes(app)
    web = create_web_app(app)
    checked = 0
    with TestClient(web) as client:
        for _, method, path in routes(app):
            if is_open(path):
                continue
            url = concrete(path, values)
            answer = client.request(method, url, follow_redirects=False)
            checked += 1
            if path.startswith(("/api", "/schema")):
                assert answer.status_code == 401, (method, url, answer.status_code)
            elif method == "GET":
                assert answer.status_code == 303, (method, url, answer.status_code)
                assert answer.headers["location"].startswith("/signin"), (method, url)
            else:
                assert answer.status_code in (303, 401, 403), (method, url, answer.status_code)
        assert client.get("/signin").status_code == 200
        assert client.get("/static/kehu.css").status_code == 200
    assert checked > 50 and changes(app) == before


def test_every_unsafe_request_needs_the_csrf_token(site):
    app, values = site
    make_user(app, "admin", display_name="管理员")
    before = changes(app)
    with TestClient(create_web_app(app)) as client:
        token = sign_in(client, "admin")
        checked = 0
        for _, method, path in routes(app):
            if method not in UNSAFE or path == "/signin":
                continue
            url = concrete(path, values)
            for headers in ({}, {"X-CSRF-Token": "forged"}):
                answer = client.request(method, url, headers=headers, data={"_csrf": "forged"} if headers else {},
                                        follow_redirects=False)
                assert answer.status_code == 403, (method, url, headers, answer.status_code)
            checked += 1
        assert checked > 25
        # the session is still signed in: the refusals were about the token, not the session
        assert client.get("/customers").status_code == 200 and token
    assert changes(app) == before


def test_every_screen_renders_for_a_signed_in_user(site):
    app, values = site
    make_user(app, "admin", display_name="管理员")
    with TestClient(create_web_app(app)) as client:
        sign_in(client, "admin")
        for _, method, path in routes(app):
            if method != "GET" or path.startswith(("/api", "/schema", "/static")) or path == "/signin":
                continue
            url = concrete(path, values)
            answer = client.get(url, follow_redirects=False)
            if answer.status_code == 303:  # a form that lives on another screen (/account/password → /account)
                answer = client.get(answer.headers["location"], follow_redirects=False)
            assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
            assert "<html" in answer.text and 'name="_csrf"' in answer.text, url
