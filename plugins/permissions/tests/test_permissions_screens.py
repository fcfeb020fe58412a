"""The generated screens follow the same rules: rows, 404 outside the scope, masked and hidden fields."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litestar.testing import TestClient

from kehu.testing import sign_in
from kehu.web import create_web_app
from perms_helpers import ID_NUMBER, MOBILE


@contextmanager
def screens(org, username) -> Iterator[TestClient]:
    """The web app with `username` signed in through the real form."""
    with TestClient(create_web_app(org.app)) as client:
        sign_in(client, username)
        yield client


def test_screens_show_only_what_the_reader_may_see(org):
    with screens(org, "mkt1") as marketing:
        page = marketing.get(f"/customers/{org.codes['person']}")
        assert page.status_code == 200
        assert "138****5678" in page.text and MOBILE not in page.text and ID_NUMBER not in page.text
        listing = marketing.get("/customers")
        assert org.codes["north"] in listing.text and org.codes["own1_secret"] not in listing.text
        assert marketing.get(f"/customers/{org.codes['north_secret']}").status_code == 404
    with screens(org, "sales1") as sales:
        page = sales.get(f"/customers/{org.codes['person']}")
        assert ID_NUMBER in page.text and MOBILE in page.text
        assert sales.get(f"/customers/{org.codes['north']}").status_code == 404
        assert sales.get("/admin/fields").status_code == 403
