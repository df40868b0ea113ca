"""A loopback HTTP/1.1 proxy that can drop the connection after the server answered (fault injection)."""

from __future__ import annotations

import socket
import threading


def _read_message(sock: socket.socket) -> bytes | None:
    """Read one HTTP message (headers plus a Content-Length body); None when the peer closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


class DroppingProxy:
    """Forwards requests to ``upstream``; the first ``drops`` POST answers are thrown away and the client
    connection is closed instead, after the upstream server has fully handled the request."""

    def __init__(self, upstream_port: int, drops: int = 1) -> None:
        self.upstream_port = upstream_port
        self.drops = drops
        self.dropped = 0
        self.forwarded_posts = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Base URL clients use."""
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop accepting connections."""
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            while True:
                request = _read_message(client)
                if request is None:
                    return
                with socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
                    upstream.sendall(request)
                    response = _read_message(upstream)
                if response is None:
                    return
                if request.startswith(b"POST"):
                    with self._lock:
                        self.forwarded_posts += 1
                        drop = self.dropped < self.drops
                        if drop:
                            self.dropped += 1
                    if drop:
                        return  # the server stored the message; the client never hears about it
                client.sendall(response)
