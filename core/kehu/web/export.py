"""GET /api/customers/export: the list of GET /api/customers as a CSV or XLSX download (SPEC D4).

Same conditions, same parser, same errors as the list (422 field by field, 403 when a plugin
refuses "export" or "list"); the rows and values are those `kehu.exporting` writes.

How the file is sent: the export is written into a `SpooledTemporaryFile` (memory up to
`SPOOL_MEMORY`, then an unlinked temporary file on disk) and that file is streamed back in
chunks.  Memory stays flat at any size, and

- every refusal and every failure happens before the first byte, so it gets its real status
  and kehu's JSON error instead of a 200 with a truncated file;
- the database transaction lasts as long as the export, not as long as a slow client's
  download;
- the size is known, so the response has a Content-Length (and a progress bar in browsers);
- XLSX cannot be streamed anyway: openpyxl assembles the zip when the sheet is complete.

Streaming rows straight from the query into the response (a generator in Litestar's `Stream`)
would start sooner, but would hold the transaction for the whole download and could only
signal a failure by cutting the file short.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Literal

from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from kehu.exporting import MEDIA_TYPES, export_customers
from kehu.query import DEFAULT_SORT, parse_conditions
from kehu.timeutil import today
from kehu.web.api import _condition_params
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.errors import ERROR_RESPONSES

SPOOL_MEMORY = 4 * 1024 * 1024  # bytes kept in memory before the file moves to disk
CHUNK = 64 * 1024
# Query parameters of this route that are neither list options nor conditions.
EXPORT_OPTIONS = {"format", "fields"}
# OpenAPI: a file, not JSON (one media type can be named; xlsx is the other).
FILE_RESPONSE = ResponseSpec(
    data_container=bytes, media_type=MEDIA_TYPES["csv"], generate_examples=False,
    description=f"The file, as an attachment: text/csv (format=csv) or {MEDIA_TYPES['xlsx']} (format=xlsx); "
                "the header X-Kehu-Rows holds the number of customers",
)


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


class ExportController(Controller):
    path = "/api/customers/export"
    tags = ["customers"]

    @get("/", sync_to_thread=True, responses={200: FILE_RESPONSE, **ERROR_RESPONSES})
    def export(
        self,
        request: Request,
        kehu: KehuDep,
        actor: ActorDep,
        lang: LangDep,
        format: Annotated[Literal["csv", "xlsx"], QueryParameter(  # noqa: A002 - the parameter's name
            description="csv (UTF-8 with BOM, opens in Excel) or xlsx")] = "csv",
        sort: Annotated[str, QueryParameter(description="Field keys, comma-separated; '-' descends")] = (
            DEFAULT_SORT
        ),
        include_hidden: Annotated[bool, QueryParameter(description="Also inactive and dormant (D5)")] = False,
        fields: Annotated[str | None, QueryParameter(
            description="Only these field keys, comma-separated (the customer code always comes first); "
                        "primary_contact.name, primary_contact.mobile, primary_contact.email")] = None,
    ) -> Stream:
        """Download the customers meeting all conditions as CSV or XLSX (SPEC D4).

        Conditions are those of GET /api/customers (`grade=A`, `last_contact_date__gte=2024-01-01`,
        ...); the header row is in the reader's language (`lang` / Accept-Language).  Cells that
        a spreadsheet would run as a formula start with an apostrophe.  `X-Kehu-Rows` says how
        many customers the file holds.
        """
        params = {k: v for k, v in _condition_params(request).items() if k not in EXPORT_OPTIONS}
        conditions = parse_conditions(kehu, params, actor)
        keys = [k.strip() for k in fields.split(",") if k.strip()] if fields else None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
        try:
            count = export_customers(kehu, actor, conditions, fmt=format, lang=lang, sort=sort,
                                     include_hidden=include_hidden, out=spool, fields=keys)
            size = spool.tell()
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        filename = f"customers-{today():%Y%m%d}.{format}"
        return Stream(
            _chunks(spool),
            media_type=MEDIA_TYPES[format],
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Content-Length": str(size),
                "X-Kehu-Rows": str(count),
            },
        )
