"""A real HTTP server on 127.0.0.1 that serves feeds to the sync, as a fellowship's site
would: ETag and Last-Modified with 304s, redirects, errors, slow and oversized answers."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
LAST_MODIFIED = "Mon, 07 Dec 2026 09:00:00 GMT"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True  # sends ETag and Last-Modified, and 304 when they match
    delay: float = 0.0  # seconds to wait before answering


class FeedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                server.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def serve(self, path: str, data: Any = None, *, raw: bytes | None = None, **kw: Any) -> str:
        """Serves JSON (or raw bytes) at path; returns its address."""
        body = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode()
        self.answers[path] = Answer(body=body, **kw)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if urlsplit(p).path == path)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        answer = self.answers.get(parts.path)
        if answer is not None and parts.query and "page" in parse_qs(parts.query):
            page = parse_qs(parts.query)["page"][0]
            answer = self.answers.get(f"{parts.path}?page={page}", answer)
        if answer is None:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if answer.delay:
            time.sleep(answer.delay)
        etag = '"' + hashlib.sha256(answer.body).hexdigest()[:16] + '"'
        if answer.conditional and handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        handler.send_response(answer.status)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(answer.body))}
        if answer.conditional and answer.status == 200:
            headers.update(ETag=etag, **{"Last-Modified": LAST_MODIFIED})
        headers.update(answer.headers)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(answer.body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sync(source: Any, **kwargs: Any) -> Any:
    """A sync as cron runs it, with the source read afresh (as each run does)."""
    from feeds.models import Source
    from feeds.sync import sync_source

    return sync_source(Source.objects.get(pk=source.pk), **kwargs)
