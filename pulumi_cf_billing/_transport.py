"""The HTTP edge: perform a :class:`Send` on an httpcore connection pool, under one deadline and one size cap.

Why httpcore and not ``httpx.Client``: a deadline must bound the whole attempt (connect, TLS,
headers, body), and httpx gives each socket operation its own timeout, so a server trickling one
byte at a time holds a read as long as it likes. httpcore takes a network backend, and ours
(:class:`DeadlineBackend`) hands every socket operation only the time left before the attempt's
deadline. The body is read through :class:`._body.BoundedBody`, which caps decoded bytes, gzip
included. httpcore's failures are translated into ours in exactly one place, :func:`transport_error`.
Which proxy to use is configuration (:func:`._config.proxy_url_for`); running a flow is :mod:`._flow`'s.
"""

from __future__ import annotations

import contextvars
import select
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpcore

from ._body import BodyProblem, BoundedBody
from ._config import proxy_url_for
from ._exceptions import ConfigurationError, TransportError
from ._flow import Effect, EffectResult, Response, Send, Sleep
from ._protocol import malformed_response
from ._text import clean

__all__ = [
    "AsyncDeadlineBackend",
    "DeadlineBackend",
    "async_performer",
    "open_async_pool",
    "open_pool",
    "performer",
    "proxy_for",
    "tls_context",
]

T = TypeVar("T")

HTTPCORE_FAILURES: tuple[type[Exception], ...] = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
    OSError,  # ssl.SSLError included: a socket or TLS failure httpcore did not wrap
)
"""Everything httpcore (or the socket under it) raises for a failed exchange."""

_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("cf_billing_socket_deadline", default=float("inf"))


# -- the deadline, at the socket -----------------------------------------------------------


@contextmanager
def _attempt_deadline(seconds: float) -> Iterator[None]:
    """Every socket operation inside gets at most the time left of ``seconds`` from now (real time)."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _left(timeout: float | None, expired: type[Exception]) -> float:
    """The timeout for one socket operation: ``timeout`` cut to the attempt's time left; ``expired`` when none."""
    left = _DEADLINE.get() - time.monotonic()
    if left <= 0:
        raise expired("the attempt's deadline passed")
    return left if timeout is None else min(timeout, left)


def _readable(sock: socket.socket | None) -> bool:
    """Whether an idle socket has data or EOF waiting (so a pooled connection is stale); a closed one counts."""
    if sock is None or sock.fileno() == -1:
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        self._socket = stream.get_extra_info("socket")

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        secured = self._stream.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(secured)

    def get_extra_info(self, info: str) -> Any:
        return _readable(self._socket) if info == "is_readable" else self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with every operation cut to the current attempt's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, left, local_address, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        # httpcore asks every pooled connection "is_readable" on every request; anyio answers by
        # building a dict of attributes each time, which a fleet read pays thousands of times.
        self._socket = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _AsyncDeadlineStream(await self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return _readable(self._socket) if info == "is_readable" else self._stream.get_extra_info(info)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """httpcore's asyncio (anyio) backend, with every operation cut to the current attempt's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _AsyncDeadlineStream(await self._backend.connect_tcp(host, port, left, local_address, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


# -- pools and proxies ---------------------------------------------------------------------


def proxy_for(base_url: str, environ: Mapping[str, str]) -> httpcore.Proxy | None:
    """httpcore's form of the proxy :func:`._config.proxy_url_for` picks for ``base_url``, if any."""
    proxy = proxy_url_for(base_url, environ)
    return None if proxy is None else httpcore.Proxy(proxy.url, auth=proxy.auth)


def tls_context(base_url: str, environ: Mapping[str, str]) -> ssl.SSLContext | None:
    """The TLS settings for ``base_url``: ``None`` for plain HTTP, else verified against CA roots.

    The roots are ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's (httpx's rule), read from
    ``environ``, the environment the proxy settings come from. Loading them costs tens of
    milliseconds, which a loopback ``http://`` base URL (the fake API) never pays. Roots that cannot
    be loaded are a :class:`ConfigurationError` naming the variable.
    """
    if not base_url.startswith("https:"):
        return None
    cafile, capath = environ.get("SSL_CERT_FILE"), environ.get("SSL_CERT_DIR")
    if cafile or capath:
        try:
            return ssl.create_default_context(cafile=cafile or None, capath=None if cafile else capath)
        except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
            variable = "SSL_CERT_FILE" if cafile else "SSL_CERT_DIR"
            reason = clean(str(error))
            raise ConfigurationError(f"{variable} names CA roots that cannot be loaded ({reason}).") from None
    import certifi  # noqa: PLC0415  # only HTTPS without a CA setting reads certifi's bundle

    return ssl.create_default_context(cafile=certifi.where())


def open_pool(base_url: str, environ: Mapping[str, str], connections: int = 4) -> httpcore.ConnectionPool:
    """A sync connection pool for ``base_url`` whose every socket operation respects the attempt's deadline."""
    return httpcore.ConnectionPool(
        ssl_context=tls_context(base_url, environ),
        proxy=proxy_for(base_url, environ),
        max_connections=connections,
        network_backend=DeadlineBackend(),
    )


def open_async_pool(
    base_url: str, environ: Mapping[str, str], connections: int, tls: ssl.SSLContext | None = None
) -> httpcore.AsyncConnectionPool:
    """Like :func:`open_pool`, for asyncio; ``tls`` shares one loaded :func:`tls_context` between pools."""
    return httpcore.AsyncConnectionPool(
        ssl_context=tls or tls_context(base_url, environ),
        proxy=proxy_for(base_url, environ),
        max_connections=connections,
        network_backend=AsyncDeadlineBackend(),
    )


# -- one exchange --------------------------------------------------------------------------


def _headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Response headers by lower-case name (the first of repeated ones), decoded as Latin-1, which never fails."""
    headers: dict[str, str] = {}
    for name, value in raw:
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


def _request_options(effect: Send) -> dict[str, Any]:
    timeout, connect = effect.timeout_s, effect.connect_timeout_s
    return {
        "method": effect.request.method,
        "url": effect.request.url,
        "headers": list(effect.request.headers.items()),
        "extensions": {"timeout": {"connect": connect, "read": timeout, "write": timeout, "pool": timeout}},
    }


def transport_error(error: Exception, account_id: str, effect: Send) -> TransportError:
    """The one translation of an httpcore failure: a :class:`TransportError` naming the account, host and reason.

    httpcore's exception is not chained (``__cause__`` stays ``None``): its traceback frames hold the
    request, ``Authorization`` header included, and a chained error would carry them into logs and
    Pulumi's output. Its message (the socket's or TLS library's reason) is kept, cleaned.
    """
    host = urlsplit(effect.request.url).hostname
    reason = clean(str(error), 160) or type(error).__name__
    if isinstance(error, httpcore.TimeoutException):
        return TransportError(
            f"Cloudflare ({host}) did not answer within {effect.timeout_s:.2g} s for account {account_id}. "
            "Check the network.",
            account_id=account_id,
        )
    return TransportError(
        f"The connection to {host} failed for account {account_id}: {reason} ({type(error).__name__}). "
        "Check the network, proxy settings and the base URL.",
        account_id=account_id,
    )


class _Reading:
    """One response being read: status, headers and a bounded body. Shared by both performers; never raises."""

    def __init__(self, status: int, raw_headers: Sequence[tuple[bytes, bytes]], account_id: str) -> None:
        self.status, self.headers, self.account_id = status, _headers(raw_headers), account_id
        self.problem: BodyProblem | None = None
        self._body: BoundedBody | None = None
        try:
            self._body = BoundedBody(self.headers.get("content-encoding"), self.headers.get("content-length"))
        except BodyProblem as problem:
            self.problem = problem

    def feed(self, chunk: bytes) -> bool:
        """Take one chunk; ``False`` once the body is refused and reading should stop."""
        try:
            if self._body is not None and self.problem is None:
                self._body.feed(chunk)
        except BodyProblem as problem:
            self.problem = problem
        return self.problem is None

    def outcome(self) -> EffectResult:
        """The :class:`Response`, or the :class:`MalformedResponseError` its body earned."""
        try:
            if self._body is not None and self.problem is None:
                return Response(self.status, self.headers, self._body.result())
        except BodyProblem as problem:
            self.problem = problem
        return malformed_response(str(self.problem), self.status, self.headers, self.account_id)


def performer(
    pool: httpcore.ConnectionPool, account_id: str, sleep: Callable[[float], object]
) -> Callable[[Effect], EffectResult]:
    """What :func:`drive` needs: sends on a sync pool, sleeps with ``sleep``."""

    def perform(effect: Effect) -> EffectResult:
        if isinstance(effect, Sleep):
            sleep(effect.seconds)
            return None
        try:
            with _attempt_deadline(effect.timeout_s), pool.stream(**_request_options(effect)) as reply:
                reading = _Reading(reply.status, reply.headers, account_id)
                for chunk in reply.iter_stream():
                    if not reading.feed(chunk):
                        break
                return reading.outcome()
        except HTTPCORE_FAILURES as error:
            return transport_error(error, account_id, effect)

    return perform


def async_performer(
    pool: httpcore.AsyncConnectionPool, account_id: str, sleep: Callable[[float], Awaitable[object]]
) -> Callable[[Effect], Awaitable[EffectResult]]:
    """What :func:`drive_async` needs: sends on an async pool, sleeps with ``await sleep``."""

    async def perform(effect: Effect) -> EffectResult:
        if isinstance(effect, Sleep):
            await sleep(effect.seconds)
            return None
        try:
            with _attempt_deadline(effect.timeout_s):
                async with pool.stream(**_request_options(effect)) as reply:
                    reading = _Reading(reply.status, reply.headers, account_id)
                    async for chunk in reply.aiter_stream():
                        if not reading.feed(chunk):
                            break
                    return reading.outcome()
        except HTTPCORE_FAILURES as error:
            return transport_error(error, account_id, effect)

    return perform
