"""What the fake API servers share: writing a JSON (or raw) reply."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def send_json(
    handler: BaseHTTPRequestHandler, status: int, payload, headers: dict | None = None, raw: bytes | None = None
) -> None:
    data = raw if raw is not None else json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 and a free port, started and stopped as a context manager."""

    def _serve(self, handler: type[BaseHTTPRequestHandler], url_suffix: str = "") -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{url_suffix}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
