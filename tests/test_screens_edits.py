"""Edits that must not lose anybody's work (SPEC A10, G7, H5), and odd input that must not crash:

a refused stale edit saved again keeps the other person's change; contact fields a reader may not
write are refused on every path; a session that ran out says so; garbage in forms and addresses
gets an answer, never a 500; parallel password guesses cannot get past the lockout.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from html import unescape

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from kehu import accounts, customfields, records
from kehu.errors import ValidationFailed
from kehu.fields import Access
from kehu.models import Customer, User, WebSession
from kehu.testing import api_headers, customer_payload, make_plugin, make_user, sign_in
from kehu.timeutil import now as utc_now
from kehu.web import create_web_app


@pytest.fixture
def client(kehu_app):
    with TestClient(create_web_app(kehu_app)) as c:
        make_user(kehu_app, "wang", display_name="王经理")
        c.csrf = sign_in(c, "wang")
        yield c


def post(client, url, data, **kw):
    return client.post(url, data={"_csrf": client.csrf, **data}, follow_redirects=False, **kw)


def hidden_inputs(html: str) -> dict[str, str]:
    """What a browser would submit from the page's main form (<form ... novalidate>): every input,
    selected option and textarea, as it stands."""
    form = html[html.index("novalidate"):]
    form = form[:form.index("</form>")]
    values: dict[str, object] = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) == "checkbox" and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = unescape(value.group(1)) if value else ""
    for attributes, body in re.findall(r"<select([^>]*)>(.*?)</select>", form, flags=re.S):
        name = re.search(r'name="([^"]+)"', attributes).group(1)
        chosen = [unescape(v) for v in re.findall(r'<option value="([^"]*)" selected', body)]
        values[name] = chosen if "multiple" in attributes else (chosen[0] if chosen else "")
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, flags=re.S):
        values[name] = unescape(body)
    return values


def stored(app, code: str) -> Customer:
    with app.db.read() as session:
        return session.scalar(select(Customer).where(Customer.code == code))


def test_saving_again_after_a_stale_refusal_keeps_the_other_persons_change(kehu_app, client):
    code = records.create_customer(kehu_app, kehu_app.system_actor, customer_payload(grade="B")).code
    form = hidden_inputs(client.get(f"/customers/{code}/edit").text)
    records.update_customer(kehu_app, kehu_app.system_actor, code, {"grade": "A"}, version=1)  # Bob
    mine = {**form, "name": "上海改名后信息科技有限公司", "grade": "B"}  # Alice's form still shows B
    refused = post(client, f"/customers/{code}/edit", mine)
    assert refused.status_code == 409
    assert 'value="A" selected' in refused.text  # the form now shows Bob's grade ...
    assert 'value="上海改名后信息科技有限公司"' in refused.text  # ... and keeps Alice's name
    again = hidden_inputs(refused.text)
    resend = {**again, "name": "上海改名后信息科技有限公司", "grade": "A"}
    assert post(client, f"/customers/{code}/edit", resend).status_code == 303
    assert (stored(kehu_app, code).grade, stored(kehu_app, code).name) == ("A", "上海改名后信息科技有限公司")


def test_a_field_both_people_changed_is_pointed_out(kehu_app, client):
    code = records.create_customer(kehu_app, kehu_app.system_actor, customer_payload(grade="B")).code
    form = hidden_inputs(client.get(f"/customers/{code}/edit").text)
    records.update_customer(kehu_app, kehu_app.system_actor, code, {"grade": "A"}, version=1)
    refused = post(client, f"/customers/{code}/edit", {**form, "grade": "C"})
    assert refused.status_code == 409 and 'value="C" selected' in refused.text
    assert "他人也修改了此项" in refused.text
    assert stored(kehu_app, code).grade == "A"


def test_the_stale_refusal_tells_the_time_in_the_readers_zone(kehu_app):
    make_user(kehu_app, "ny", timezone="America/New_York")
    code = records.create_customer(kehu_app, kehu_app.system_actor, customer_payload()).code
    with TestClient(create_web_app(kehu_app)) as c:
        csrf = sign_in(c, "ny")
        form = hidden_inputs(c.get(f"/customers/{code}/edit").text)
        records.update_customer(kehu_app, kehu_app.system_actor, code, {"grade": "A"}, version=1)
        refused = c.post(f"/customers/{code}/edit", data={**form, "_csrf": csrf, "grade": "C"})
    changed_at = [e.at for e in records.history(kehu_app, kehu_app.system_actor, code)][0]
    from zoneinfo import ZoneInfo

    assert changed_at.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M") in refused.text


def test_contact_fields_the_reader_may_not_write_are_refused_on_every_path(make_kehu):
    code = records.create_customer(make_kehu(), None or make_kehu().system_actor, customer_payload()).code
    rule = make_plugin("contactrule", field_access=lambda actor: {"contacts.mobile": Access.MASKED,
                                                                  "contacts.email": Access.HIDDEN})
    app = make_kehu(enable=["contactrule"], extra_plugins=[rule])
    contact_id = stored(app, code).contacts[0].id
    with pytest.raises(ValidationFailed) as refused:
        records.update_contact(app, app.system_actor, code, contact_id, {"email": "x@example.com"}, version=1)
    assert [e.rule for e in refused.value.errors] == ["field_forbidden"]
    with pytest.raises(ValidationFailed):
        records.add_contact(app, app.system_actor, code, {"name": "李娜", "mobile": "13700001111"}, version=1)
    with pytest.raises(ValidationFailed):
        records.create_customer(app, app.system_actor, customer_payload())  # its contact has a mobile
    with TestClient(create_web_app(app)) as c:
        make_user(app, "wang")
        csrf = sign_in(c, "wang")
        answer = c.post(f"/customers/{code}/contacts/{contact_id}/edit", follow_redirects=False,
                        data={"_csrf": csrf, "version": "1", "name": "张伟", "mobile": "13900000000",
                              "email": "attacker@example.com"})
        assert answer.status_code in (303, 422)
        api = c.patch(f"/api/customers/{code}/contacts/{contact_id}", headers=api_headers(app, "apiuser"),
                      json={"version": 1, "email": "attacker@example.com"})
        assert api.status_code == 422
    contact = stored(app, code).contacts[0]
    assert (contact.mobile, contact.email) == ("13812345678", contact.email) and "attacker" not in contact.email


def test_restore_buttons_are_not_nested_in_the_filter_form(kehu_app, client):
    code = records.create_customer(kehu_app, kehu_app.system_actor, customer_payload()).code
    records.delete_customer(kehu_app, kehu_app.system_actor, code, version=1)
    html = client.get("/customers?deleted=1").text
    filter_form = html[html.index('<form method="get"'):html.index("</form>", html.index('<form method="get"'))]
    assert "<form" not in filter_form[1:] and 'name="_csrf"' not in filter_form
    assert f'form="restore-{code}"' in filter_form and f'id="restore-{code}"' in html
    # a browser dragging the token into the address is not a filter
    assert client.get("/customers?deleted=1&_csrf=abc").status_code == 200


@pytest.mark.parametrize("query", ["page=²", "per=²", "page=99999999999999999999", "page=0", "per=-1",
                                   "page=1e3", "sort=%00", "cols=%FF"])
def test_odd_list_addresses_get_a_page_not_a_crash(client, query):
    answer = client.get(f"/customers?{query}")
    assert answer.status_code == 200, answer.text[:300]


def test_a_page_past_the_end_shows_the_last_one(kehu_app, client):
    records.create_customer(kehu_app, kehu_app.system_actor, customer_payload())
    answer = client.get("/customers?page=40", follow_redirects=False)
    assert answer.status_code == 303 and "page=1" in answer.headers["location"]


def test_odd_form_values_get_an_answer_not_a_crash(kehu_app, client):
    code = records.create_customer(kehu_app, kehu_app.system_actor, customer_payload()).code
    form = hidden_inputs(client.get(f"/customers/{code}/edit").text)
    for extra in ({"version": "²"}, {"version": "99999999999999999999"}, {"loaded_at": "2024-01-01"},
                  {"_original": "[1, 2]"}, {"_original": "{not json"}):
        answer = post(client, f"/customers/{code}/edit", {**form, "grade": "A", **extra})
        assert answer.status_code in (303, 409, 422), (extra, answer.status_code)
    uploaded = client.post(f"/customers/{code}/edit", data={**form, "_csrf": client.csrf, "grade": "C"},
                           files={"reason": ("r.txt", b"x"), "version": ("v.txt", b"1")}, follow_redirects=False)
    assert uploaded.status_code in (303, 409, 422)
    assert client.get("/signout").status_code == 405 and "<html" in client.get("/signout").text


def test_an_untouched_datetime_field_is_not_a_change(kehu_app, client):
    customfields.add_field(kehu_app, kehu_app.system_actor, {"key": "visit_at", "label_zh": "拜访时间",
                                                              "label_en": "Visit at", "type": "datetime",
                                                              "category": "interactions"})
    code = records.create_customer(kehu_app, kehu_app.system_actor,
                                   customer_payload(visit_at="2026-03-01 10:00")).code
    form = client.get(f"/customers/{code}/edit").text
    value = re.search(r'name="visit_at" type="datetime-local" value="([^"]+)"', form).group(1)
    assert value == "2026-03-01T10:00"  # what a datetime-local input holds and sends back
    answer = post(client, f"/customers/{code}/edit", {**hidden_inputs(form), "visit_at": value})
    assert answer.status_code == 303
    assert "没有任何修改" in client.get(answer.headers["location"]).text


def test_a_form_posted_after_the_session_ran_out_says_it_was_not_saved(kehu_app, client):
    raw = client.cookies["kehu_session"]
    with kehu_app.db.write() as session:
        session.execute(update(WebSession).where(WebSession.id_hash == accounts.digest(raw))
                        .values(last_seen_at=utc_now() - timedelta(hours=1)))
    answer = client.post("/customers/new", data={"_csrf": client.csrf, "name": "x"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
    page = client.get(answer.headers["location"]).text
    assert "刚才提交的内容未保存" in page


def test_parallel_guesses_get_no_more_checks_than_the_lockout_allows(kehu_app, monkeypatch):
    make_user(kehu_app, "target", password="the-right-password-1")
    real_hash = stored_hash(kehu_app, "target")
    checks = []
    verify = accounts._verify

    def counting(hashed, password):  # the real check, counted when it is the account's own hash
        if hashed == real_hash:
            checks.append(password)
        return verify(hashed, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    start = threading.Barrier(12)
    results = []

    def guess(password):
        start.wait()
        results.append(accounts.authenticate(kehu_app.db, "target", password) is not None)

    threads = [threading.Thread(target=guess, args=(f"wrong-guess-{i}",)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checks) <= accounts.MAX_FAILURES, len(checks)  # without the early count: all 12
    assert not any(results)
    assert accounts.authenticate(kehu_app.db, "target", "the-right-password-1") is None  # now locked


def stored_hash(app, username: str) -> str:
    with app.db.read() as session:
        return session.scalar(select(User.password_hash).where(User.username == username))
