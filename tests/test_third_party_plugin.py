"""A plugin written outside this repository (examples/kehu-hello) is built, installed and enabled.

It adds a field, a filter, an API route and a save reaction without touching core (SPEC H3).
The package is really installed — `uv pip install --target` builds its wheel from its own
pyproject.toml — and found through the `kehu` entry-point group, as it would be in production.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kehu import records
from kehu.query import list_customers, parse_conditions
from kehu.testing import api_headers, customer_payload

EXAMPLE = Path(__file__).parents[1] / "examples" / "kehu-hello"


@pytest.fixture(scope="module")
def installed_hello(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("src") / "kehu-hello"
    shutil.copytree(EXAMPLE, source)
    base = [sys.executable, "-m", "uv", "pip", "install", "--no-deps", "--target", str(target), str(source)]
    # Offline first: the build backend is in uv's cache after `uv sync`; fall back to the index.
    done = subprocess.run([*base, "--offline"], capture_output=True, text=True)
    if done.returncode != 0:
        done = subprocess.run(base, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (target / "kehu_hello" / "__init__.py").exists()
    # The plugin's catalog is package data and travels in the wheel (the greeting reads it).
    assert (target / "kehu_hello" / "locale" / "zh_CN" / "LC_MESSAGES" / "kehu_hello.po").exists()
    assert any(p.name.startswith("kehu_hello-") for p in target.glob("*.dist-info"))
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    sys.modules.pop("kehu_hello", None)
    importlib.invalidate_caches()


def test_installed_plugin_is_discovered_and_enabled(installed_hello, make_kehu):
    app = make_kehu()
    assert "hello" in app.plugins.installed
    assert app.plugins.installed["hello"].distribution == "kehu-hello"
    assert "wechat_group" not in app.fields  # installed is not enabled
    app = make_kehu(enable=["hello"])
    assert app.plugins.order == ["hello"]
    assert app.fields["wechat_group"].plugin == "hello"


def test_field_filter_route_and_save_reaction(installed_hello, make_kehu):
    from litestar.testing import TestClient

    import kehu_hello
    from kehu.web import create_web_app

    app = make_kehu(enable=["hello"])
    kehu_hello.GREETINGS.clear()
    big = records.create_customer(app, app.system_actor, customer_payload(
        grade="A", cumulative_amount="2000000", wechat_group="华东大客户群"))
    records.create_customer(app, app.system_actor, customer_payload(grade="A", cumulative_amount="10"))
    # the save reaction
    assert kehu_hello.GREETINGS == [f"欢迎新客户 {big.name}（{big.code}）"] + kehu_hello.GREETINGS[1:]
    assert len(kehu_hello.GREETINGS) == 2
    # the field, validated like any other
    assert big.custom["wechat_group"] == "华东大客户群"
    # the filter, combined with a core condition
    with app.db.read() as s:
        page = list_customers(app, s, app.system_actor, parse_conditions(app, {"key_account": "true", "grade": "A"}))
    assert [c.code for c in page.items] == [big.code]
    # the route, through the real web app
    with TestClient(create_web_app(app)) as client:
        client.headers.update(api_headers(app, "tester"))
        assert client.get("/api/hello/key-accounts").json() == {"key_accounts": 1}
        listed = client.get("/api/customers", params={"wechat_group__contains": "大客户"}).json()
        assert [c["code"] for c in listed["items"]] == [big.code]


def test_disabled_plugin_keeps_its_data(installed_hello, make_kehu):
    app = make_kehu(enable=["hello"])
    c = records.create_customer(app, app.system_actor, customer_payload(wechat_group="老客户群"))
    app.set_plugin_enabled("hello", False)
    from kehu.app import Kehu

    core_only = Kehu(app.settings)
    try:
        assert "wechat_group" not in core_only.fields
        with core_only.db.read() as s:
            assert records.load_customer(core_only, s, core_only.system_actor, c.code).custom == {
                "wechat_group": "老客户群"}
    finally:
        core_only.close()
