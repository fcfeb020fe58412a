"""The web screens (SPEC H5): server-rendered from field definitions, Chinese by default.

Each module holds the handlers of one area and adds them to `HANDLERS`; `render.page()` renders
a template for the reader.  Screens call the same service functions as the JSON API.
"""

from __future__ import annotations

from typing import Any

HANDLERS: list[Any] = []
