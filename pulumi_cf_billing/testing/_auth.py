"""The fake's credentials: API tokens and global API keys, each granted some accounts or every one.

Kept in memory only to judge requests, in Cloudflare's order: a token (``Authorization``) wins
over a global key sent alongside it. Never logged, printed or recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ._faults import BAD_AUTH_HEADER, INVALID_TOKEN, MISSING_AUTH, UNKNOWN_GLOBAL_KEY, CannedResponse
from ._server import RequestCredentials

__all__ = ["Credentials", "Grant"]


@dataclass(frozen=True)
class Grant:
    """An authenticated credential: its rate-limit identity and the accounts it may read."""

    identity: tuple[str, ...] = field(repr=False)
    accounts: frozenset[str] | None  # None: every account


def _scope(accounts: Iterable[str] | None) -> frozenset[str] | None:
    if isinstance(accounts, str):
        # A lone id is a string, which is iterable: refuse it rather than grant its characters.
        raise TypeError("accounts must be an iterable of account ids, not a single string")
    return None if accounts is None else frozenset(accounts)


class Credentials:
    """The tokens and global keys the fake accepts. Not thread-safe: the fake calls it under its lock."""

    def __init__(self) -> None:
        self._tokens: dict[str, frozenset[str] | None] = {}
        self._global_keys: dict[tuple[str, str], frozenset[str] | None] = {}

    def add_token(self, token: str, accounts: Iterable[str] | None) -> None:
        """Accept ``Authorization: Bearer <token>`` for ``accounts`` (``None``: every account)."""
        if not token or any(c.isspace() for c in token):
            raise ValueError("token must be non-empty and contain no whitespace")
        self._tokens[token] = _scope(accounts)

    def add_global_key(self, email: str, key: str, accounts: Iterable[str] | None) -> None:
        """Accept ``X-Auth-Email`` + ``X-Auth-Key`` for ``accounts`` (``None``: every account)."""
        self._global_keys[(email, key)] = _scope(accounts)

    def authenticate(self, credentials: RequestCredentials) -> Grant | CannedResponse:
        """The grant for a request's credentials, or Cloudflare's refusal of them."""
        if credentials.authorization is not None:
            return self._authenticate_token(credentials.authorization)
        if credentials.auth_key is None or credentials.auth_email is None:
            return MISSING_AUTH
        pair = (credentials.auth_email, credentials.auth_key)
        if pair not in self._global_keys:
            return UNKNOWN_GLOBAL_KEY
        return Grant(("global_key", *pair), self._global_keys[pair])

    def _authenticate_token(self, authorization: str) -> Grant | CannedResponse:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
            return BAD_AUTH_HEADER
        if token not in self._tokens:
            return INVALID_TOKEN
        return Grant(("token", token), self._tokens[token])
