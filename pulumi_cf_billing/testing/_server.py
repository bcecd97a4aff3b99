"""The HTTP layer of the fake Cloudflare API: sockets in, :class:`Reply` out.

A ``ThreadingHTTPServer`` (one daemon thread per connection, HTTP/1.1 keep-alive) that parses
each request, asks its :class:`ServerHooks` what to answer, and writes that answer, including
the broken deliveries the faults ask for. It knows nothing of accounts or credentials beyond
reading the authentication headers, and it never logs: http.server's default request log goes
to stderr, and nothing about a request may appear anywhere. A request body is read whole up to
1 MiB; a larger one is answered 413 before a byte of it is read, so no client can make it buffer
or wait for more.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from ._faults import STREAMED_KINDS, CannedResponse, Fault, Reply, error_response

AuthKind = Literal["token", "global_key", "none"]
"""Which kind of credential a request carried: API token, global API key, or none."""

MAX_REQUEST_BODY_BYTES = 2**20
"""The largest request body read (1 MiB); a larger one is answered 413 without reading a byte of it."""

_INTERNAL_ERROR = error_response(
    500, (10002, "The fake Cloudflare API raised an exception: see FakeCloudflareAPI.errors")
)
_BODY_TOO_LARGE = error_response(
    413, (10413, f"Request body too large: at most {MAX_REQUEST_BODY_BYTES} bytes (1 MiB) are accepted")
)
_BAD_CONTENT_LENGTH = error_response(400, (10400, "Content-Length must be a whole number of bytes in ASCII digits"))
_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}", re.ASCII)  # 19 digits: any length a 64-bit size can say


@dataclass(frozen=True)
class RequestCredentials:
    """The authentication headers of one request, hidden from ``repr``."""

    authorization: str | None = field(default=None, repr=False)
    auth_email: str | None = field(default=None, repr=False)
    auth_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_headers(cls, headers: Message) -> RequestCredentials:
        """Read ``Authorization``, ``X-Auth-Email`` and ``X-Auth-Key`` (absent: ``None``)."""

        def get(name: str) -> str | None:
            value = headers.get(name)
            return None if value is None else str(value)

        return cls(get("Authorization"), get("X-Auth-Email"), get("X-Auth-Key"))

    @property
    def kind(self) -> AuthKind:
        """The kind Cloudflare judges by: a token wins over a global key sent alongside it."""
        if self.authorization is not None:
            return "token"
        return "global_key" if self.auth_key is not None else "none"


@dataclass(frozen=True)
class IncomingRequest:
    """One parsed request: method, path with query, credentials, body (at most 1 MiB), and if it came from loopback."""

    method: str
    path: str
    credentials: RequestCredentials
    body: bytes = field(default=b"", repr=False)
    from_loopback: bool = True


@dataclass(frozen=True)
class ServerHooks:
    """What the HTTP layer asks of the fake, called from the server's threads.

    ``respond(request)`` decides the reply; ``record_error`` receives any
    exception raised meanwhile (the client then gets a 500); ``next_ray`` names each response;
    ``latency_s`` is read before every response and says how many seconds to wait first.
    """

    respond: Callable[[IncomingRequest], Reply]
    record_error: Callable[[BaseException], None]
    next_ray: Callable[[], str]
    latency_s: Callable[[], float]


class FakeServer(ThreadingHTTPServer):
    """The HTTP server; it tracks open connections so that stopping it closes them at once."""

    daemon_threads = True
    request_queue_size = 128  # fleets open dozens of connections at once; the default 5 overflows

    def __init__(self, address: tuple[str, int], hooks: ServerHooks) -> None:
        """Bind and listen on ``address``; call :meth:`serve_forever` to start answering."""
        self.hooks = hooks
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a DNS lookup we neither need nor want.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def stop(self) -> None:
        """Stop serving and close every connection; waits in progress end at once.

        Call from another thread than the one running ``serve_forever``.
        """
        self.stopping.set()
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # Wakes handlers blocked reading an idle keep-alive connection now, not at their timeout.
            _shut(connection)

    def track(self, connection: socket.socket) -> None:
        """Note an open connection (shut at once if the server is already stopping)."""
        with self._connections_lock:
            self._connections.add(connection)
        if self.stopping.is_set():
            _shut(connection)

    def untrack(self, connection: socket.socket) -> None:
        """Forget a connection its handler has finished with."""
        with self._connections_lock:
            self._connections.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr; report it to the fake instead. A client
        # hanging up is not a fault of the fake.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.hooks.record_error(error)


def _head(response: CannedResponse, extra: tuple[tuple[str, str], ...]) -> bytes:
    """The status line and headers of ``response`` as bytes, for deliveries that write them by hand."""
    reason = response.reason or HTTPStatus(response.status).phrase
    lines = [f"HTTP/1.1 {response.status} {reason}", "Server: cloudflare", f"Content-Type: {response.content_type}"]
    lines += [f"{name}: {value}" for name, value in (*response.headers, *extra)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Serves one connection: asks the hooks for each request's reply and writes it."""

    protocol_version = "HTTP/1.1"
    timeout = 5.0  # seconds an idle keep-alive connection may hold its thread
    server: FakeServer
    _responded = False

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without this, Nagle's algorithm meeting the
        # client's delayed ACK adds about 40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, *args: Any) -> None:
        # http.server logs every request to stderr; tests want quiet, and nothing about a request
        # may reach a log from here.
        pass

    def version_string(self) -> str:
        return "cloudflare"

    def end_headers(self) -> None:
        # Here rather than in _write, so http.server's own error pages carry a ray id too.
        self.send_header("cf-ray", self.server.hooks.next_ray())
        super().end_headers()

    def _serve(self) -> None:
        self._responded = False
        try:
            body = self._read_body()
            if isinstance(body, CannedResponse):
                self.close_connection = True  # the body is still on the wire, unread: the connection is spent
                self._write(body)
                return
            credentials = RequestCredentials.from_headers(self.headers)
            peer = ipaddress.ip_address(self.client_address[0])
            request = IncomingRequest(self.command, self.path, credentials, body, peer.is_loopback)
            self._deliver(self.server.hooks.respond(request))
        except OSError:
            self.close_connection = True  # the client hung up; nothing to answer or report
        except Exception as error:
            self.server.hooks.record_error(error)
            self._answer_internal_error()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def _read_body(self) -> bytes | CannedResponse:
        """The request body (read whole, so the next request on this connection parses cleanly), or a refusal.

        A body announcing more than :data:`MAX_REQUEST_BODY_BYTES` is refused before any of it is
        read, so a hostile ``Content-Length`` never makes the fake wait for, or buffer, gigabytes.
        A chunked body is ignored, unread, and the connection closed after the answer.
        """
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # cannot find where the body ends: don't reuse the connection
            return b""
        declared = self.headers.get("Content-Length")
        if declared is None:
            return b""
        if not _CONTENT_LENGTH.fullmatch(declared.strip()):
            return _BAD_CONTENT_LENGTH
        length = int(declared)
        return _BODY_TOO_LARGE if length > MAX_REQUEST_BODY_BYTES else self.rfile.read(length)

    def _deliver(self, reply: Reply) -> None:
        fault = reply.delivery
        delay = self.server.hooks.latency_s() + (fault.delay_s if fault else 0.0)
        if self.server.stopping.wait(delay) or (fault and fault.kind == "drop_connection"):
            self.close_connection = True
            return
        if fault is not None and fault.kind in STREAMED_KINDS:
            self._stream(reply.response, fault)
            return
        self._write(reply.response, truncate=fault is not None and fault.kind == "truncated_body")

    def _stream(self, response: CannedResponse, fault: Fault) -> None:
        """Write ``response`` the hostile way ``fault`` asks, until done, the client hangs up or the fake stops."""
        self._responded = self.close_connection = True
        endless = fault.kind == "endless_body"
        length = fault.declared_length if endless else len(response.body)
        framing = ("Transfer-Encoding", "chunked") if length is None else ("Content-Length", str(length))
        head = _head(response, (framing, ("cf-ray", self.server.hooks.next_ray())))
        if fault.kind == "trickle_headers":
            self._trickle(head + response.body, fault.delay_s)
        elif fault.kind == "trickle_body":
            self.wfile.write(head)
            self._trickle(response.body, fault.delay_s)
        else:
            self.wfile.write(head)
            self._write_forever(chunked=length is None)

    def _trickle(self, data: bytes, interval_s: float) -> None:
        for index in range(len(data)):
            if self.server.stopping.wait(interval_s):
                return
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()

    def _write_forever(self, *, chunked: bool) -> None:
        block = b'"' + b"a" * (2**16 - 2) + b'"'
        framed = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
        self.wfile.write(b'{"success":true,"result":{"padding":' if not chunked else b"")
        while not self.server.stopping.is_set():
            self.wfile.write(framed)  # raises once the client has hung up

    def _write(self, response: CannedResponse, *, truncate: bool = False) -> None:
        self._responded = True
        body = response.body
        self.send_response(response.status, response.reason)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body[: len(body) // 2] if truncate else body)
        if truncate:
            self.close_connection = True

    def _answer_internal_error(self) -> None:
        self.close_connection = True
        if not self._responded:
            with contextlib.suppress(OSError):  # the client is gone too
                self._write(_INTERNAL_ERROR)
