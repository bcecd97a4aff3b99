"""The exceptions this library raises, all under one base a caller can catch.

The tree::

    CloudflareBillingError             base: every error this library raises
    ├── ConfigurationError             wrong input, found before any request is sent (also a ValueError)
    │   ├── MissingCredentialsError    no API token, no API key + email
    │   └── InvalidAccountIdError      not 32 hexadecimal characters, or no account id at all
    ├── ClientClosedError              a client used after ``close()``
    └── APIError                       the balance could not be read from the API
        ├── AuthenticationError        credentials refused (401; codes 9106, 9109, 1000, 6003, 6111, 9103)
        ├── PermissionDeniedError      credentials valid, but not for this account (403; code 10000)
        ├── AccountNotFoundError       no such account, or a path Cloudflare cannot route (404; 7003, 7000)
        ├── RateLimitedError           too many requests (429), ``retry_after_s`` says when to come back
        ├── ServerError                Cloudflare failed (5xx)
        ├── MalformedResponseError     not the documented envelope: bad JSON, absurd numbers, over 1 MiB
        └── TransportError             no answer: connection refused or dropped, DNS, TLS, proxy
            └── DeadlineExceededError  no answer within the overall deadline

Every ``APIError`` carries the ``account_id``, the HTTP ``status`` (``None`` when no response
arrived), Cloudflare's error ``codes`` and ``messages``, and the ``cf_ray`` id of the response
when there was one. Messages say what to do next. No exception ever holds a credential, and
server text in messages is cleaned of control characters. Nothing from the network or from
configuration escapes as anything but one of these.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "APIError",
    "AccountNotFoundError",
    "AuthenticationError",
    "ClientClosedError",
    "CloudflareBillingError",
    "ConfigurationError",
    "DeadlineExceededError",
    "InvalidAccountIdError",
    "MalformedResponseError",
    "MissingCredentialsError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
]


class CloudflareBillingError(Exception):
    """Base of every error raised by pulumi-cf-billing.

    ``account_id`` names the account concerned, when one is.
    """

    def __init__(self, message: str, *, account_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.account_id = account_id

    def __str__(self) -> str:
        return self.message


class ConfigurationError(CloudflareBillingError, ValueError):
    """The input is wrong; nothing was sent. Fix the configuration and run again.

    Also a ``ValueError``, as a wrong argument is in Python.
    """


class ClientClosedError(CloudflareBillingError):
    """The client was used after ``close()``/``aclose()``: make a new client, or keep this one open."""


class MissingCredentialsError(ConfigurationError):
    """No usable Cloudflare credentials were configured."""


class InvalidAccountIdError(ConfigurationError):
    """The account id is missing or is not 32 hexadecimal characters."""


class APIError(CloudflareBillingError):
    """The credit balance could not be read from Cloudflare's API.

    Attributes: ``status`` (HTTP status or ``None``), ``codes`` and ``messages`` (Cloudflare's
    error codes and texts, possibly empty), ``cf_ray`` (the response's ``cf-ray`` header or ``None``).
    """

    def __init__(
        self,
        message: str,
        *,
        account_id: str | None = None,
        status: int | None = None,
        codes: Sequence[int] = (),
        messages: Sequence[str] = (),
        cf_ray: str | None = None,
    ) -> None:
        super().__init__(message, account_id=account_id)
        self.status = status
        self.codes = tuple(codes)
        self.messages = tuple(messages)
        self.cf_ray = cf_ray

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, account_id={self.account_id!r}, "
            f"status={self.status!r}, codes={list(self.codes)!r}, cf_ray={self.cf_ray!r})"
        )


class AuthenticationError(APIError):
    """Cloudflare refused the credentials themselves: check the token or the email + key."""


class PermissionDeniedError(APIError):
    """The credentials are valid but may not read this account's AI Gateway billing."""


class AccountNotFoundError(APIError):
    """Cloudflare knows no such account (or could not route the request to it)."""


class RateLimitedError(APIError):
    """Too many requests. ``retry_after_s`` is the server's hint in seconds, when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        account_id: str | None = None,
        status: int | None = None,
        codes: Sequence[int] = (),
        messages: Sequence[str] = (),
        cf_ray: str | None = None,
    ) -> None:
        super().__init__(message, account_id=account_id, status=status, codes=codes, messages=messages, cf_ray=cf_ray)
        self.retry_after_s = retry_after_s


class ServerError(APIError):
    """Cloudflare answered with a 5xx status."""


class MalformedResponseError(APIError):
    """The response was not the documented JSON envelope with a result."""


class TransportError(APIError):
    """No HTTP response arrived: connection refused, reset or dropped; DNS or TLS failure."""


class DeadlineExceededError(TransportError):
    """No usable answer arrived within the overall deadline."""
