"""Sans-I/O protocol: build the request, decipher the response. Pure functions, no sockets.

Both the sync and the async client run these; the HTTP layer only moves bytes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from ._config import ACCOUNT_ID_HINT, ENV_BASE_URL
from ._credentials import Credentials
from ._exceptions import (
    AccountNotFoundError,
    APIError,
    AuthenticationError,
    MalformedResponseError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from ._pacing import CLOUDFLARE_LIMIT, CLOUDFLARE_WINDOW_S
from ._results import CREDIT_BALANCE, ResultProblem, ResultReader, read_credit_balance
from ._text import SERVER_TEXT_LIMIT, clean
from ._version import __version__

T = TypeVar("T")

__all__ = [
    "Request",
    "build_request",
    "malformed_response",
    "parse_response",
    "retry_after_seconds",
]


AUTHENTICATION_CODES = frozenset({1000, 6003, 6111, 9103, 9106, 9109})
PERMISSION_CODES = frozenset({10000})
NOT_FOUND_CODES = frozenset({7000, 7003})

MAX_RETRY_AFTER_S = 86400.0
"""A server's backoff hint is believed up to a day; a longer one is read as a day."""
_RATE_LIMIT_ADVICE = (
    f"Cloudflare blocks a token for {CLOUDFLARE_WINDOW_S / 60:g} minutes after {CLOUDFLARE_LIMIT:,} requests "
    f"in {CLOUDFLARE_WINDOW_S / 60:g} minutes."
)


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to send. ``headers`` hold the credentials: never log or show them."""

    method: str
    url: str
    headers: Mapping[str, str]

    def __repr__(self) -> str:
        return f"Request({self.method} {self.url}, headers=[secure])"


def build_request(
    account_id: str,
    credentials: Credentials,
    base_url: str,
    endpoint: str = CREDIT_BALANCE,
    query: Mapping[str, str] | None = None,
) -> Request:
    """The GET request for one of an account's billing endpoints (``account_id`` already validated)."""
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
        "User-Agent": f"pulumi-cf-billing/{__version__}",
    }
    headers.update(credentials.headers())
    url = f"{base_url}/accounts/{account_id}/ai-gateway/billing/{endpoint}"
    return Request("GET", f"{url}?{urlencode(query)}" if query else url, headers)


def parse_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    account_id: str,
    *,
    now: float | None = None,
    read: ResultReader[T] = read_credit_balance,  # type: ignore[assignment]  # the default reads a CreditBalance
) -> T:
    """Decipher one response: what ``read`` makes of its ``result`` (a :class:`CreditBalance` by default),
    or raise the matching :class:`APIError`.

    ``headers`` must look names up by lower-case name. ``now`` is the wall-clock time in epoch
    seconds, used only for an HTTP-date ``Retry-After`` when the response has no ``Date`` header.
    """
    payload = _decode_json(body)
    if not 200 <= status < 300:
        raise _error_for(status, headers, payload, account_id, now)
    envelope = _require_envelope(payload, status, headers, account_id)
    try:
        return read(envelope["result"], account_id)
    except ResultProblem as problem:
        raise _malformed(str(problem), status, headers, account_id) from None


def _decode_json(body: bytes) -> Any:
    # ValueError covers bad JSON, bad UTF-8 and integers over Python's 4,300-digit limit;
    # RecursionError, JSON nested thousands of levels deep.
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError):
        return None


def _require_envelope(payload: Any, status: int, headers: Mapping[str, str], account_id: str) -> dict[str, Any]:
    if not isinstance(payload, dict) or "success" not in payload:
        problem = "a body that is not JSON" if payload is None else "JSON without Cloudflare's envelope"
        raise _malformed(problem, status, headers, account_id)
    if payload.get("success") is not True:
        codes, messages = _errors_of(payload)
        raise MalformedResponseError(
            _with_ray(
                f"Cloudflare answered HTTP {status} but reported failure for account {account_id}"
                f"{_describe(codes, messages)}. Try again; if it persists, contact Cloudflare support.",
                headers,
            ),
            **_context(account_id, status, headers, codes, messages),
        )
    if not isinstance(payload.get("result"), dict):
        raise _malformed("a success envelope with no result object", status, headers, account_id)
    return payload


def _errors_of(payload: Any) -> tuple[list[int], list[str]]:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    codes: list[int] = []
    messages: list[str] = []
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict):
            code = error.get("code")
            if isinstance(code, int) and not isinstance(code, bool):
                codes.append(code)
            if isinstance(error.get("message"), str):
                messages.append(clean(error["message"], SERVER_TEXT_LIMIT))
    return codes, messages


def _error_for(status: int, headers: Mapping[str, str], payload: Any, account_id: str, now: float | None) -> APIError:
    codes, messages = _errors_of(payload)
    context = _context(account_id, status, headers, codes, messages)
    detail = f"(HTTP {status}{_describe(codes, messages, lead=', ')})"
    found = set(codes)
    if status == 429:
        retry_after = retry_after_seconds(headers, now)
        when = f"Retry in {retry_after:g} s. " if retry_after is not None else "Retry in a few minutes. "
        text = f"Cloudflare rate-limited requests for account {account_id} {detail}. {when}{_RATE_LIMIT_ADVICE}"
        return RateLimitedError(_with_ray(text, headers), retry_after_s=retry_after, **context)
    if status >= 500:
        kind = "" if payload is not None else ", with a body that is not JSON"
        text = (
            f"Cloudflare's API failed for account {account_id} {detail}{kind}. "
            "This is usually temporary: try again in a few minutes."
        )
        return ServerError(_with_ray(text, headers), **context)
    for matches, error_class, advice in _CLIENT_ERRORS:
        if matches(status, found):
            return error_class(_with_ray(advice.format(account=account_id, detail=detail), headers), **context)
    text = f"Cloudflare refused the request for account {account_id} {detail}."
    return APIError(_with_ray(text, headers), **context)


# Client errors, first match wins: (status and codes test, exception, message with what to do).
_CLIENT_ERRORS: tuple[tuple[Callable[[int, set[int]], object], type[APIError], str], ...] = (
    (
        lambda status, codes: status == 401 or codes & AUTHENTICATION_CODES,
        AuthenticationError,
        "Cloudflare rejected the credentials for account {account} {detail}. Check the API token "
        "(CLOUDFLARE_API_TOKEN or cloudflare:apiToken): it may be mistyped, expired or revoked; "
        "or check CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY.",
    ),
    (
        lambda status, codes: status == 403 or codes & PERMISSION_CODES,
        PermissionDeniedError,
        "The credentials may not read AI Gateway billing of account {account} {detail}. Give the API "
        "token the 'AI Gateway Read' or 'AI Gateway Write' permission on this account, or use the "
        "account the token was made for.",
    ),
    (
        lambda status, codes: status == 404 or codes & NOT_FOUND_CODES,
        AccountNotFoundError,
        f"Cloudflare found no account {{account}} {{detail}}. Check the account id ({ACCOUNT_ID_HINT}) and the "
        "base URL.",
    ),
)


def malformed_response(
    problem: str, status: int, headers: Mapping[str, str], account_id: str
) -> MalformedResponseError:
    """The error for an answer that is not the documented envelope; ``problem`` completes "the answer was ..."."""
    return _malformed(problem, status, headers, account_id)


def _malformed(problem: str, status: int, headers: Mapping[str, str], account_id: str) -> MalformedResponseError:
    text = (
        f"Cloudflare's answer for account {account_id} was {problem} (HTTP {status}). Try again; if it "
        f"persists, check that the base URL ({ENV_BASE_URL}) points at the Cloudflare API."
    )
    return MalformedResponseError(_with_ray(text, headers), **_context(account_id, status, headers, [], []))


def _context(
    account_id: str, status: int, headers: Mapping[str, str], codes: list[int], messages: list[str]
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "status": status,
        "codes": codes,
        "messages": messages,
        "cf_ray": _ray(headers),
    }


def _describe(codes: list[int], messages: list[str], lead: str = ": ") -> str:
    pairs = [f"code {code}: {message}" for code, message in zip(codes, messages, strict=False)]
    pairs += [f"code {code}" for code in codes[len(messages) :]]
    return f"{lead}{'; '.join(pairs)}" if pairs else ""


def _ray(headers: Mapping[str, str]) -> str | None:
    ray = headers.get("cf-ray")
    return clean(ray, 64) if ray else None


def _with_ray(text: str, headers: Mapping[str, str]) -> str:
    ray = _ray(headers)
    return f"{text} (cf-ray {ray})" if ray else text


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The server's backoff hint in seconds: ``retry-after-ms``, else ``Retry-After`` (seconds or HTTP date).

    An HTTP date is measured against the response's ``Date`` header when present, else ``now``
    (epoch seconds, default the wall clock). Returns ``None`` when there is no usable hint; a hint
    is never negative and never over :data:`MAX_RETRY_AFTER_S`, whatever the header says.
    """
    millis = _finite(headers.get("retry-after-ms"))
    if millis is not None:
        return _bounded_hint(millis / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _finite(value)
    return _bounded_hint(seconds if seconds is not None else _seconds_until_http_date(value, headers.get("date"), now))


def _finite(text: str | None) -> float | None:
    if text is None or len(text) > 32:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _bounded_hint(seconds: float | None) -> float | None:
    return None if seconds is None else min(MAX_RETRY_AFTER_S, max(0.0, seconds))


def _seconds_until_http_date(value: str, date_header: str | None, now: float | None) -> float | None:
    # Odd dates raise any of these from the email parser or from datetime (years past 9999: OverflowError).
    try:
        target = parsedate_to_datetime(value[:64]).timestamp()
        reference = parsedate_to_datetime(date_header[:64]).timestamp() if date_header else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if reference is None:
        reference = time.time() if now is None else now
    return target - reference
