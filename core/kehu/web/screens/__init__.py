"""The web screens (SPEC H5): server-rendered from field definitions, Chinese by default.

Each module holds the handlers of one area and adds them to `HANDLERS`; `render.page()` renders
a template for the reader.  Screens call the same service functions as the JSON API.
"""

from __future__ import annotations

from typing import Any

HANDLERS: list[Any] = []

# Each module appends its handlers to HANDLERS on import.
from kehu.web.screens import customer_contacts, customer_delete, customer_detail, customer_forms, customers  # noqa: E402,F401,I001
from kehu.web.screens import admin_departments, admin_fields, admin_plugins, admin_users  # noqa: E402,F401
