"""A loopback HTTP proxy in front of the sandbox that damages chosen rows of its JSON listing replies on the wire,
or chosen JSON replies as a whole.

The sandbox never serves a damaged record (its store leaves one out, tests/sandbox/test_damaged_records.py), so the
tests of what a client does with a row it cannot read (a live portal's undocumented field, state or amount) put this
proxy in front of it: every other byte (the card login, the cookies, the other rows) is the sandbox's own.

A ``Damage`` key that starts with ``/`` is a path (the query string aside): the JSON reply to that path is replaced
by what its function returns for the decoded reply (bytes are sent as they are, anything else as JSON).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

#: Rewrites one listing row (by its key), or a whole JSON reply (by its path), into something the client cannot read.
Damage = dict[str, Callable[[Any], Any]]

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@contextmanager
def damaging_proxy(upstream_url: str, keys: Sequence[str] = ("formNo", "entryId")) -> Iterator[tuple[str, Damage]]:
    """Run the proxy to ``upstream_url``; yield its URL and the ``Damage`` map the test fills.

    Args:
        upstream_url: the sandbox's base URL.
        keys: the row members that name a row, tried in order (the first one present is the row's key).
    """
    damage: Damage = {}
    upstream = requests.Session()
    upstream.trust_env = False

    def damaged(row: Any) -> Any:
        if not isinstance(row, dict):
            return row
        key = next((str(row[name]) for name in keys if row.get(name)), None)
        rewrite = damage.get(key) if key is not None else None
        return rewrite(row) if rewrite else row

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            reply = upstream.request(
                self.command, upstream_url + self.path, data=body, headers=headers, allow_redirects=False, timeout=30
            )
            content = reply.content
            if reply.headers.get("Content-Type", "").startswith("application/json"):
                document = reply.json()
                whole = damage.get(self.path.split("?", 1)[0])
                if whole is not None:
                    rewritten = whole(document)
                    content = rewritten if isinstance(rewritten, bytes) else json.dumps(rewritten).encode()
                elif isinstance(document, dict) and isinstance(document.get("rows"), list):
                    document["rows"] = [damaged(row) for row in document["rows"]]
                    content = json.dumps(document).encode()
            self.send_response(reply.status_code)
            for name, value in reply.raw.headers.items():
                if name.lower() not in _HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", damage
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        upstream.close()


__all__ = ["Damage", "damaging_proxy"]
