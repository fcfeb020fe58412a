"""What readers see: masked and hidden fields stay masked or hidden everywhere, history included."""

from __future__ import annotations

import json

from kehu import records
from kehu.actors import Actor
from kehu.fields import Access
from kehu.testing import customer_payload, make_plugin
from kehu.views import change_view, mask

RESTRICTED = {"contacts.mobile": Access.MASKED, "contacts.email": Access.HIDDEN, "id_number": Access.MASKED}


def masking_plugin():
    def field_access(actor):
        return RESTRICTED if actor.username == "viewer" else {}

    return make_plugin("masking", field_access=field_access)


def test_mask_shapes():
    assert mask("11010519491231002X") == "110***********002X"
    assert mask("13812345678") == "138****5678"
    assert mask("zw@example.com") == "z***@example.com"
    assert mask("张伟") == "张*"


def test_history_never_shows_what_the_reader_may_not_see(make_kehu):
    app = make_kehu(enable=["masking"], extra_plugins=[masking_plugin()])
    system = app.system_actor
    data = customer_payload(customer_type="individual", name="李娜", id_number="11010519491231002X")
    data.pop("credit_code")
    c = records.create_customer(app, system, data)
    added = records.add_contact(app, system, c.code, {"name": "王芳", "mobile": "13900001111",
                                                      "email": "wf@example.com"}, version=1)
    records.update_contact(app, system, c.code, added.id, {"mobile": "13900002222"}, version=2)
    records.remove_contact(app, system, c.code, added.id, version=3)
    viewer = Actor(id=None, username="viewer", display_name="访客")
    access = app.field_access(viewer)
    rows = [change_view(e, access) for e in records.history(app, system, c.code)]
    shown = json.dumps(rows, ensure_ascii=False)
    for secret in ("13900001111", "13900002222", "13812345678", "11010519491231002X", "wf@example.com", "@example.com"):
        assert secret not in shown, secret
    assert "139****1111" in shown and "110***********002X" in shown
    # the system user (no restrictions) still sees everything
    full = json.dumps([change_view(e, app.field_access(system)) for e in records.history(app, system, c.code)],
                      ensure_ascii=False)
    assert "13900001111" in full and "wf@example.com" in full
