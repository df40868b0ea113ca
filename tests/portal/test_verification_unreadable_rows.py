"""One row of a listing the client cannot read (a 核销单 state the client does not know, a malformed amount) used to
raise ProtocolError and end the whole listing, losing the good rows. The listing now goes on through every page,
yields every readable row, and then raises UnreadableRowsError with each unreadable row (raw, reason, position).

The portal is played by a small HTTP server on loopback: the sandbox never serves a damaged row (its store leaves
one out, tests/sandbox/test_damaged_records.py), and a live portal's rows are what this guards against."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from eport.errors import ProtocolError, UnreadableRowsError
from eport.services.portal import PortalSession
from eport.services.verification import VerificationClient
from eport.services.verification_models import FormState, ProceedsDeclaration, VerificationForm


def _form(serial: int, state: str = "ISSUED") -> dict[str, Any]:
    return {"formNo": f"{serial:09d}", "state": state, "enterpriseCode": "1101960001",
            "appliedAt": "2011-03-01T09:00:00+08:00", "history": []}  # fmt: skip


def _declaration(serial: int, amount: str = "10.00") -> dict[str, Any]:
    return {"entryId": f"53002011000000{serial:04d}", "direction": "E", "ieDate": "2011-03-01",
            "customs": "5300", "currency": "USD", "amount": amount}  # fmt: skip


#: Five forms over three pages of two; the second (page 1) and the fifth (page 3) are unreadable.
FORMS = [_form(1), _form(2, "REVOKED"), _form(3), _form(4), {"formNo": "000000005", "state": "ISSUED"}]
#: Three declarations over two pages of two; the third has an amount that is no number.
DECLARATIONS = [_declaration(1), _declaration(2), _declaration(3, "lots")]


@pytest.fixture(scope="module")
def listing_portal() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _page(self, rows: list[dict[str, Any]], offset: int, limit: int) -> None:
            body = json.dumps({"rows": rows[offset : offset + limit], "total": len(rows)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._page(FORMS, request["offset"], request["limit"])

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            self._page(DECLARATIONS, int(query["offset"][0]), int(query["limit"][0]))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_query_yields_every_readable_form_then_names_the_unreadable_ones(listing_portal: str) -> None:
    with PortalSession(listing_portal) as portal:
        forms: list[VerificationForm] = []
        with pytest.raises(UnreadableRowsError) as info:
            forms.extend(VerificationClient(portal).query(page_size=2))
    assert [str(f.form_no) for f in forms] == ["000000001", "000000003", "000000004"]  # page 3 was still read
    assert all(f.state is FormState.ISSUED for f in forms)
    error = info.value
    assert isinstance(error, ProtocolError)  # callers catching ProtocolError still do
    assert [(row.position, row.key) for row in error.rows] == [(1, "000000002"), (4, "000000005")]
    assert error.rows[0].raw == FORMS[1]  # kept as the portal sent it
    assert "REVOKED" in error.rows[0].reason
    assert "enterpriseCode" in error.rows[1].reason
    assert "2 of 5" in str(error)
    assert "#1 (000000002)" in str(error)
    assert "#4 (000000005)" in str(error)


def test_proceeds_yields_every_readable_row_then_names_the_unreadable_one(listing_portal: str) -> None:
    with PortalSession(listing_portal) as portal:
        rows: list[ProceedsDeclaration] = []
        with pytest.raises(UnreadableRowsError) as info:
            rows.extend(VerificationClient(portal).proceeds(page_size=2))
    assert [str(r.entry_id) for r in rows] == ["530020110000000001", "530020110000000002"]
    ((row,),) = (info.value.rows,)
    assert (row.position, row.key, row.raw["amount"]) == (2, "530020110000000003", "lots")


def test_a_page_names_its_unreadable_rows_and_keeps_the_readable_ones(listing_portal: str) -> None:
    with PortalSession(listing_portal) as portal, pytest.raises(UnreadableRowsError) as info:
        VerificationClient(portal).query_page(offset=0, limit=2)
    assert [str(f.form_no) for f in info.value.readable] == ["000000001"]
    assert [row.position for row in info.value.rows] == [1]


@pytest.mark.parametrize("listing", ["query", "proceeds"])
def test_a_row_pushed_onto_the_next_page_is_yielded_or_named_once(listing: str) -> None:
    """A row added between the page fetches (newest first) pushes the last row of page 1 onto page 2: the readable
    row pushed along was yielded twice and the unreadable one named twice, at both positions."""
    from tests.services.test_portal import Scripted, ok

    if listing == "query":
        rows = [_form(1), _form(2), _form(3, "REVOKED"), _form(4)]
    else:
        rows = [_declaration(1), _declaration(2), _declaration(3, "lots"), _declaration(4)]
    # page 1 is rows 0-1, page 2 starts with row 1 again (pushed from #1 to #2), page 3 with row 2 again
    server = Scripted(ok({"rows": rows[0:2], "total": 4}), ok({"rows": rows[1:3], "total": 5}),
                      ok({"rows": rows[2:4], "total": 6}))  # fmt: skip
    try:
        with PortalSession(server.url) as portal:
            client = VerificationClient(portal)
            listed = client.query(page_size=2) if listing == "query" else client.proceeds(page_size=2)
            read: list[Any] = []
            with pytest.raises(UnreadableRowsError) as info:
                read.extend(listed)
    finally:
        server.close()
    keys = [str(row.form_no if listing == "query" else row.entry_id)[-1] for row in read]
    assert keys == ["1", "2", "4"]
    assert [(row.position, row.raw) for row in info.value.rows] == [(3, rows[2])]  # where it was first seen
    assert str(info.value).startswith("1 of 4 ")
