"""A stand-in for CloudFront: the dashboard page (web/) on an origin of its own, with the
config.json the deployment writes beside it naming the API, so the page calls the API cross-origin
as it does on AWS."""

from __future__ import annotations

import json
import mimetypes
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from local.server import WEB_ROOT
from local.service import LoopbackServer


class _PageHandler(BaseHTTPRequestHandler):
    config: bytes

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/config.json":
            self._send(HTTPStatus.OK, "application/json", self.config)
            return
        file = (WEB_ROOT / ("index.html" if path == "/" else path.lstrip("/"))).resolve()
        if not file.is_file() or WEB_ROOT not in file.parents:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found")
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, content_type, file.read_bytes())

    def _send(self, status: HTTPStatus, content_type: str, payload: bytes) -> None:
        self.send_response(status.value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class WebHost(LoopbackServer):
    """The page's server on a free port of 127.0.0.1; its ``origin`` is what the API must allow."""

    def __init__(self, api_url: str) -> None:
        config = json.dumps({"apiUrl": api_url}).encode()
        super().__init__(type("PageHandler", (_PageHandler,), {"config": config}), "web-host")

    @property
    def origin(self) -> str:
        return self.url
