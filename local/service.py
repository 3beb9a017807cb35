"""What the local stand-ins share: a `with` block that starts one and always stops it, the HTTP
server on 127.0.0.1 that the partner sandboxes answer from, and child processes (DynamoDB Local,
the SQS/S3 server) that never outlive the process that started them."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class Service(ABC):
    """Something local that runs between start() and stop(); `with` starts it and stops it after."""

    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class LoopbackHTTPServer(ThreadingHTTPServer):
    # The listen backlog: socketserver's default of 5 refuses connections when fifty clients call at
    # once, which no real partner host does.
    request_queue_size = 128
    daemon_threads = True

    def get_request(self) -> tuple[socket.socket, Any]:
        # No Nagle: BaseHTTPRequestHandler writes the headers and the body apart, and the body then
        # waited for the client's delayed ACK, 40 ms on every answer on a kept-alive connection.
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class LoopbackServer(Service):
    """An HTTP server on 127.0.0.1 (port 0: a free one) polled by a daemon thread called `name`, each
    request answered in a daemon thread of its own; stop() does nothing when it is not running."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str, port: int = 0) -> None:
        self._handler = handler
        self._name = name
        self._port = port
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        server = LoopbackHTTPServer(("127.0.0.1", self._port), self._handler)
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=self._name, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self._name} is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"


def start_child(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """A child process tied to this one with PR_SET_PDEATHSIG: even a parent killed with SIGKILL
    leaves it no time to outlive it."""
    return subprocess.Popen(command, preexec_fn=_die_with_parent, **options)  # noqa: S603 - fixed argv, no shell


def stop_child(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate it, and kill it if it does not end within 10 s; nothing when it already ended."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
