"""Cloudflare credentials: an API token, or the legacy email + global API key.

Credentials are shown as ``[secure]`` in every ``repr`` and refuse to be pickled, so they
cannot slip into logs, exception text or a Pulumi state file by accident.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NoReturn

from ._exceptions import ConfigurationError, MissingCredentialsError

__all__ = ["Credentials"]


@dataclass(frozen=True, repr=False)
class Credentials:
    """An API token (preferred) or an email + global API key.

    When both are given only the token is sent, as Cloudflare recommends. Build with
    ``Credentials(api_token=...)`` or ``Credentials(api_key=..., email=...)``; the clients find
    them in their arguments or the environment (see ``_config``).
    """

    api_token: str | None = None
    api_key: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        for name in ("api_token", "api_key", "email"):
            problem = _problem(getattr(self, name))
            if problem is not None:
                raise ConfigurationError(
                    f"The Cloudflare {name.replace('_', ' ')} {problem}; copy it again, without spaces, line "
                    "breaks or typographic characters (the value is not shown)."
                )
        if self.api_token is None and (self.api_key is None) != (self.email is None):
            given, missing = ("API key", "email") if self.email is None else ("email", "API key")
            raise MissingCredentialsError(
                f"A Cloudflare {given} was given without the {missing}: the legacy global API key needs both."
            )
        if self.api_token is None and self.api_key is None:
            raise MissingCredentialsError(
                "No Cloudflare credentials were given: an API token, or an API key and email."
            )

    @property
    def kind(self) -> str:
        """``"token"`` or ``"global_key"``."""
        return "token" if self.api_token is not None else "global_key"

    def headers(self) -> dict[str, str]:
        """The authentication headers for one request."""
        if self.api_token is not None:
            return {"Authorization": f"Bearer {self.api_token}"}
        return {"X-Auth-Email": self.email or "", "X-Auth-Key": self.api_key or ""}

    @property
    def fingerprint(self) -> str:
        """A one-way digest that tells credentials apart (cache and rate-limit keys) without holding them."""
        material = "\0".join((self.kind, self.api_token or "", self.api_key or "", self.email or ""))
        return hashlib.sha256(material.encode()).hexdigest()[:32]

    def __repr__(self) -> str:
        if self.api_token is not None:
            return "Credentials(api_token=[secure])"
        return f"Credentials(email={self.email!r}, api_key=[secure])"

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials cannot be pickled: they must never be written to disk or state.")


def _problem(value: str | None) -> str | None:
    """What makes ``value`` unusable in an HTTP header, or ``None``. Never quotes the value."""
    if value is None:
        return None
    if not value:
        return "is empty"
    if not value.isascii():
        where = next(index for index, char in enumerate(value) if not char.isascii())
        return f"holds a non-ASCII character at position {where + 1} (a copy-paste artefact?)"
    if not value.isprintable() or any(char.isspace() for char in value):
        return "holds whitespace or control characters"
    return None
