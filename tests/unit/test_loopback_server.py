"""The loopback servers behind the local API and the sandboxes answer a kept-alive connection at
once: with Nagle on, an answer written as headers then body waited for the client's delayed ACK
(40 ms on Linux), which made every call of a test or of `make run` that slow."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler

import requests

from local.service import LoopbackServer


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the local API and the sandboxes answer

    def do_GET(self) -> None:
        nodelay = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        body = str(nodelay).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()  # the headers go out first, the body in a write of its own
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_kept_alive_connection_is_answered_without_waiting_for_an_ack() -> None:
    with LoopbackServer(_Answer, "nodelay-test") as server, requests.Session() as session:
        answers = [session.get(server.url, timeout=5).text for _ in range(3)]  # one connection
    assert answers == ["1"] * 3  # TCP_NODELAY set on the accepted socket, which serves them all
