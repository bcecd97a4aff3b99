"""Canned responses in Cloudflare's wire format, and the faults the fake API can inject.

Cloudflare answers every API error with the same JSON envelope
(``{"success": false, "errors": [{"code", "message"}], "messages": [], "result": null}``); the
helpers here build it, so that the server's own refusals and the injected faults agree byte for
byte. Nothing here does I/O: the server in ``_fake_api`` decides when and how to send these.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any, Literal

from .._serialize import exact_json
from .._text import shown

Headers = tuple[tuple[str, str], ...]
"""Extra response headers as ``(name, value)`` pairs, in the order they are sent."""

FaultKind = Literal[
    "respond", "slow", "drop_connection", "truncated_body", "trickle_headers", "trickle_body", "endless_body"
]
"""How a fault is delivered: a canned response, a delayed normal answer, a broken connection or a hostile stream."""
STREAMED_KINDS = frozenset({"trickle_headers", "trickle_body", "endless_body"})
"""The kinds the server writes byte by byte or without end (each stops when the client hangs up)."""

RATE_LIMITED = (971, "Please wait and consider throttling your request speed")
"""Cloudflare's error for a client over its rate limit (HTTP 429)."""

# Cloudflare's own 5xx statuses have no standard reason phrase; these are the ones its error
# pages show, so a client that logs the status line sees what it would see in production.
_CLOUDFLARE_PHRASES = {
    520: "Web Server Returned an Unknown Error",
    521: "Web Server Is Down",
    522: "Connection Timed Out",
    523: "Origin Is Unreachable",
    524: "A Timeout Occurred",
}


@dataclass(frozen=True)
class CannedResponse:
    """A complete HTTP response, ready to send: status, body bytes, content type, extra headers.

    ``reason`` is the status line's phrase; ``None`` lets the server pick the standard one.
    """

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Headers = ()
    reason: str | None = None

    def with_headers(self, extra: Headers) -> CannedResponse:
        """The same response with ``extra`` headers sent after its own."""
        return replace(self, headers=self.headers + extra) if extra else self


def json_response(status: int, payload: Any, headers: Headers = ()) -> CannedResponse:
    """``payload`` as compact JSON (``application/json``), the way Cloudflare sends it; ``Decimal`` amounts exactly.

    Raises ``TypeError``/``ValueError`` for values JSON cannot carry (objects, NaN, infinities):
    Cloudflare never sends those, so a test that asks for them has a bug worth surfacing.
    """
    body = exact_json(payload).encode()
    return CannedResponse(status, body, headers=headers)


def error_response(status: int, *errors: tuple[int, str], headers: Headers = ()) -> CannedResponse:
    """Cloudflare's error envelope with ``errors`` as ``(code, message)`` pairs."""
    payload = {
        "success": False,
        "errors": [{"code": code, "message": message} for code, message in errors],
        "messages": [],
        "result": None,
    }
    return json_response(status, payload, headers)


# The fake's own refusals, in the order it checks: route and method, credentials, rate limit, account.
NO_ROUTE = error_response(404, (7000, "No route for that URI"))
METHOD_NOT_ALLOWED = error_response(405, (10405, "Method not allowed"))
MISSING_AUTH = error_response(400, (9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers"))
BAD_AUTH_HEADER = error_response(
    400, (6003, "Invalid request headers"), (6111, "Invalid format for Authorization header")
)
INVALID_TOKEN = error_response(401, (9109, "Invalid access token"))
UNKNOWN_GLOBAL_KEY = error_response(403, (9103, "Unknown X-Auth-Key or X-Auth-Email"))
NOT_GRANTED = error_response(403, (10000, "Authentication error"))
RATE_LIMITED_RESPONSE = error_response(429, RATE_LIMITED)


def no_such_account(account_id: str, endpoint: str) -> CannedResponse:
    message = (
        f"Could not route to /accounts/{account_id}/ai-gateway/billing/{endpoint}, "
        "perhaps your object identifier is invalid?"
    )
    return error_response(404, (7003, message))


def success(result: dict[str, Any]) -> CannedResponse:
    payload = {
        "success": True,
        "errors": [],
        "messages": [],
        "result": result,
        "result_info": {"has_more": False, "page": 1, "per_page": 1, "total_count": 1},
    }
    return json_response(200, payload)


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _CLOUDFLARE_PHRASES.get(status, "")


def _check_status(status: int, low: int, high: int) -> None:
    if not low <= status <= high:
        raise ValueError(f"status must be between {low} and {high}; got {status}")


@dataclass(frozen=True)
class Fault:
    """Something going wrong with one request, for :meth:`FakeCloudflareAPI.inject`.

    Build one with the classmethods (``Fault.rate_limited()``, ``Fault.server_error(503)``, ...)
    rather than the constructor. A fault replaces the normal answer after authentication,
    account checks and rate limiting have passed; requests refused before that never see it.
    """

    kind: FaultKind
    response: CannedResponse | None = None
    delay_s: float = 0.0
    declared_length: int | None = None

    @classmethod
    def rate_limited(cls, retry_after: str | None = "1", retry_after_ms: int | None = None) -> Fault:
        """HTTP 429 with error 971, and ``Retry-After`` / ``retry-after-ms`` headers when given.

        ``retry_after`` is sent verbatim (seconds, or an HTTP date); ``retry_after_ms`` is in
        milliseconds. ``None`` leaves the header out.
        """
        headers: Headers = ()
        if retry_after is not None:
            headers += (("Retry-After", retry_after),)
        if retry_after_ms is not None:
            headers += (("retry-after-ms", str(retry_after_ms)),)
        return cls("respond", error_response(429, RATE_LIMITED, headers=headers))

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        """A 5xx answered by Cloudflare's edge: an HTML page (``text/html``), not the JSON envelope."""
        _check_status(status, 500, 599)
        phrase = _status_phrase(status)
        html = f"<html><head><title>{status} {phrase}</title></head><body>cloudflare</body></html>"
        response = CannedResponse(status, html.encode(), "text/html", reason=phrase)
        return cls("respond", response)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait ``seconds`` before answering normally; the server's ``stop()`` cuts the wait short."""
        if not seconds >= 0:
            raise ValueError(f"seconds must be a non-negative number; got {seconds!r}")
        return cls("slow", delay_s=seconds)

    @classmethod
    def drop_connection(cls) -> Fault:
        """Close the connection without sending a single byte of response."""
        return cls("drop_connection")

    @classmethod
    def truncated_body(cls) -> Fault:
        """HTTP 200 announcing the full body's ``Content-Length``, but only half the body, then close."""
        return cls("truncated_body")

    @classmethod
    def not_json(cls) -> Fault:
        """HTTP 200 labelled ``application/json`` whose body is ``<html>oops</html>``."""
        return cls("respond", CannedResponse(200, b"<html>oops</html>"))

    @classmethod
    def unsuccessful(cls, code: int = 10001, message: str = "An unknown error occurred") -> Fault:
        """HTTP 200 whose envelope says ``success: false`` with this error."""
        return cls("respond", error_response(200, (code, message)))

    @classmethod
    def null_result(cls) -> Fault:
        """HTTP 200, ``success: true``, ``result: null``."""
        payload = {"success": True, "errors": [], "messages": [], "result": None}
        return cls("respond", json_response(200, payload))

    @classmethod
    def error(cls, status: int, code: int, message: str) -> Fault:
        """Any status (200-599) with Cloudflare's JSON error envelope carrying ``code`` and ``message``."""
        _check_status(status, 200, 599)
        return cls("respond", error_response(status, (code, message)))

    @classmethod
    def trickle_headers(cls, interval_s: float = 0.5) -> Fault:
        """The normal answer, its status line and headers sent one byte every ``interval_s`` seconds."""
        return cls("trickle_headers", delay_s=_interval(interval_s))

    @classmethod
    def trickle_body(cls, interval_s: float = 0.5) -> Fault:
        """The normal answer, headers at once, then its body one byte every ``interval_s`` seconds."""
        return cls("trickle_body", delay_s=_interval(interval_s))

    @classmethod
    def endless_body(cls, declared_length: int | None = None) -> Fault:
        """HTTP 200 whose body never ends: chunked, or announced as ``declared_length`` bytes and longer still.

        The server writes until the client hangs up (or the fake stops).
        """
        return cls("endless_body", declared_length=declared_length)

    @classmethod
    def gzip_bomb(cls, inflated_bytes: int = 200 * 2**20) -> Fault:
        """HTTP 200, ``Content-Encoding: gzip``: a small body that inflates to ``inflated_bytes`` of JSON-ish text."""
        return cls("respond", CannedResponse(200, _bomb(inflated_bytes), headers=(("Content-Encoding", "gzip"),)))

    @classmethod
    def named(cls, name: str) -> Fault:
        """The fault a constructor without arguments makes, by its name: ``Fault.named("server_error")``.

        For faults typed as text (``cf-billing fake-api --fault``, the control endpoint); the names
        are :data:`FAULT_NAMES`. Raises ``ValueError`` naming them for any other.
        """
        make = _BY_NAME.get(name)
        if make is None:
            raise ValueError(f"unknown fault {shown(name)}; expected one of: {', '.join(FAULT_NAMES)}")
        return make()

    @classmethod
    def raw(cls, status: int, body: bytes, headers: Headers = (), content_type: str = "application/json") -> Fault:
        """Exactly this status, body and extra headers: for odd encodings, numbers and headers a test needs."""
        _check_status(status, 100, 599)
        return cls("respond", CannedResponse(status, body, content_type, headers))


_BY_NAME: dict[str, Callable[[], Fault]] = {
    "drop_connection": Fault.drop_connection,
    "endless_body": Fault.endless_body,
    "gzip_bomb": Fault.gzip_bomb,
    "not_json": Fault.not_json,
    "null_result": Fault.null_result,
    "rate_limited": Fault.rate_limited,
    "server_error": Fault.server_error,
    "trickle_body": Fault.trickle_body,
    "trickle_headers": Fault.trickle_headers,
    "truncated_body": Fault.truncated_body,
    "unsuccessful": Fault.unsuccessful,
}
FAULT_NAMES = tuple(_BY_NAME)
"""The faults :meth:`Fault.named` knows: every constructor that needs no argument, with its defaults."""


def _interval(seconds: float) -> float:
    if not 0 < seconds < 60:
        raise ValueError(f"interval_s must be between 0 and 60 seconds; got {seconds!r}")
    return seconds


@functools.cache
def _bomb(inflated_bytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * 2**20
    parts = [compressor.compress(b'{"success":true,"result":{"balance":100,"padding":"')]
    parts += [compressor.compress(block) for _ in range(inflated_bytes // len(block))]
    return b"".join([*parts, compressor.compress(b'"}}'), compressor.flush()])


@dataclass(frozen=True)
class Reply:
    """The fake's answer to one request: a response, and a fault changing how it is delivered.

    ``delivery`` is ``None`` or a fault of a delivering kind (``slow``, ``drop_connection``,
    ``truncated_body`` or one of :data:`STREAMED_KINDS`); a fault that is a canned response has
    already replaced ``response``.
    """

    response: CannedResponse
    delivery: Fault | None = None

    def with_headers(self, extra: Headers) -> Reply:
        """The same reply with ``extra`` headers added to its response."""
        return Reply(self.response.with_headers(extra), self.delivery)
