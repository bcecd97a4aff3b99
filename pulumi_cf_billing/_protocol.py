"""Sans-I/O protocol: build the request, decipher the response. Pure functions, no sockets.

Both the sync and the async client run these; the HTTP layer only moves bytes.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from ._credentials import Credentials
from ._exceptions import (
    AccountNotFoundError,
    APIError,
    AuthenticationError,
    ConfigurationError,
    InvalidAccountIdError,
    MalformedResponseError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from ._models import CreditBalance, PaymentMethod, TopupConfig
from ._version import __version__

__all__ = ["DEFAULT_BASE_URL", "Request", "build_request", "parse_response", "validate_account_id"]

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
ENV_BASE_URL = "CLOUDFLARE_BASE_URL"
ENV_ACCOUNT_ID = "CLOUDFLARE_ACCOUNT_ID"

AUTHENTICATION_CODES = frozenset({1000, 6003, 6111, 9103, 9106, 9109})
PERMISSION_CODES = frozenset({10000})
NOT_FOUND_CODES = frozenset({7000, 7003})

_ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")
_RATE_LIMIT_ADVICE = "Cloudflare blocks a token for 5 minutes after 1,200 requests in 5 minutes."


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to send. ``headers`` hold the credentials: never log or show them."""

    method: str
    url: str
    headers: Mapping[str, str]

    def __repr__(self) -> str:
        return f"Request({self.method} {self.url}, headers=[secure])"


def validate_account_id(account_id: str | None) -> str:
    """Return the account id, trimmed and lower-cased, or raise :class:`InvalidAccountIdError`."""
    if not account_id or not account_id.strip():
        raise InvalidAccountIdError(
            "No Cloudflare account id was given: pass one (--account-id, account_id=, cf-billing:accountId) "
            "or set CLOUDFLARE_ACCOUNT_ID. It is the Account ID on the dashboard's Account home."
        )
    normalized = account_id.strip().lower()
    if not _ACCOUNT_ID.fullmatch(normalized):
        # A long value may be a credential pasted into the wrong place: do not echo it.
        shown = repr(account_id) if len(account_id) <= 36 else f"a {len(account_id)}-character value"
        raise InvalidAccountIdError(
            f"{shown} is not a Cloudflare account id: expected 32 hexadecimal characters "
            "(the Account ID on the dashboard's Account home).",
            account_id=account_id if len(account_id) <= 36 else None,
        )
    return normalized


def validate_base_url(base_url: str) -> str:
    """Return the API base URL without a trailing slash.

    Refuses anything but ``https://``, except plain ``http://`` to a loopback host (the fake API),
    so a credential is never sent unencrypted over a network.
    """
    parts = urlsplit(base_url.strip())
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return base_url.strip().rstrip("/")
    if parts.scheme == "http" and _is_loopback(host):
        return base_url.strip().rstrip("/")
    raise ConfigurationError(
        f"Base URL {base_url!r} is not usable: use https:// (plain http:// only to a loopback "
        f"host such as 127.0.0.1, where the fake API runs). The default is {DEFAULT_BASE_URL}."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_request(account_id: str, credentials: Credentials, base_url: str) -> Request:
    """The GET request for one account's credit balance (``account_id`` already validated)."""
    headers = {"Accept": "application/json", "User-Agent": f"pulumi-cf-billing/{__version__}"}
    headers.update(credentials.headers())
    url = f"{base_url}/accounts/{account_id}/ai-gateway/billing/credit-balance"
    return Request("GET", url, headers)


def parse_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    account_id: str,
    *,
    now: float | None = None,
) -> CreditBalance:
    """Decipher one response: a :class:`CreditBalance`, or raise the matching :class:`APIError`.

    ``headers`` must look names up case-insensitively (``httpx.Headers`` does). ``now`` is the
    wall-clock time in epoch seconds, used only for an HTTP-date ``Retry-After`` when the
    response has no ``Date`` header.
    """
    payload = _decode_json(body)
    if not 200 <= status < 300:
        raise _error_for(status, headers, payload, account_id, now)
    envelope = _require_envelope(payload, status, headers, account_id)
    return _parse_result(envelope["result"], account_id, status, headers)


def _decode_json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
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


def _parse_result(result: dict[str, Any], account_id: str, status: int, headers: Mapping[str, str]) -> CreditBalance:
    balance = _number(result.get("balance"))
    if balance is None:
        raise _malformed("a result without a numeric balance", status, headers, account_id)
    payment = result.get("payment_method")
    topup = result.get("topup_config")
    topup = topup if isinstance(topup, dict) else {}
    return CreditBalance(
        account_id=account_id,
        balance=balance,
        has_default_payment_method=_bool(result.get("has_default_payment_method")),
        payment_method=(
            PaymentMethod(brand=_str(payment.get("brand")), last4=_str(payment.get("last4")))
            if isinstance(payment, dict)
            else None
        ),
        topup_config=TopupConfig(
            amount=_number(topup.get("amount")),
            threshold=_number(topup.get("threshold")),
            disabled_reason=_str(topup.get("disabledReason")),
            error=_str(topup.get("error")),
            last_failed_at=_number(topup.get("lastFailedAt")),
        ),
        first_topup_success=_bool(result.get("first_topup_success")),
        raw=MappingProxyType(result),
    )


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    number = Decimal(value)
    return number if number.is_finite() else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


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
                messages.append(error["message"])
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
        "Cloudflare found no account {account} {detail}. Check the account id (the Account ID on the "
        "dashboard's Account home) and the base URL.",
    ),
)


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
        "cf_ray": headers.get("cf-ray"),
    }


def _describe(codes: list[int], messages: list[str], lead: str = ": ") -> str:
    pairs = [f"code {code}: {message}" for code, message in zip(codes, messages, strict=False)]
    pairs += [f"code {code}" for code in codes[len(messages) :]]
    return f"{lead}{'; '.join(pairs)}" if pairs else ""


def _with_ray(text: str, headers: Mapping[str, str]) -> str:
    ray = headers.get("cf-ray")
    return f"{text} (cf-ray {ray})" if ray else text


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The server's backoff hint in seconds: ``retry-after-ms``, else ``Retry-After`` (seconds or HTTP date).

    An HTTP date is measured against the response's ``Date`` header when present, else ``now``
    (epoch seconds, default the wall clock). Returns ``None`` when there is no usable hint.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return _seconds_until_http_date(value, headers.get("date"), now)


def _seconds_until_http_date(value: str, date_header: str | None, now: float | None) -> float | None:
    try:
        target = parsedate_to_datetime(value).timestamp()
        reference = parsedate_to_datetime(date_header).timestamp() if date_header else None
    except (TypeError, ValueError, IndexError):
        return None
    if reference is None:
        reference = time.time() if now is None else now
    return max(0.0, target - reference)
