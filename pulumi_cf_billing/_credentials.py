"""Cloudflare credentials: an API token, or the legacy email + global API key.

Credentials are shown as ``[secure]`` in every ``repr`` and refuse to be pickled, so they
cannot slip into logs, exception text or a Pulumi state file by accident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from ._exceptions import ConfigurationError, MissingCredentialsError

__all__ = ["Credentials"]

ENV_API_TOKEN = "CLOUDFLARE_API_TOKEN"  # noqa: S105  # a variable name, not a secret
ENV_API_KEY = "CLOUDFLARE_API_KEY"
ENV_EMAIL = "CLOUDFLARE_EMAIL"

_MISSING_HINT = (
    "Set CLOUDFLARE_API_TOKEN to an API token with the 'AI Gateway Read' permission "
    "(or pulumi config set --secret cloudflare:apiToken), or set CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL."
)


@dataclass(frozen=True, repr=False)
class Credentials:
    """An API token (preferred) or an email + global API key.

    When both are given only the token is sent, as Cloudflare recommends.
    Build with ``Credentials(api_token=...)``, ``Credentials(api_key=..., email=...)`` or
    :meth:`resolve`, which also reads the environment.
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
                f"A Cloudflare {given} was given without the {missing}: the legacy global API key "
                f"needs both (CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL). {_MISSING_HINT}"
            )
        if self.api_token is None and self.api_key is None:
            raise MissingCredentialsError(f"No Cloudflare credentials are configured. {_MISSING_HINT}")

    @classmethod
    def resolve(
        cls,
        *layers: Mapping[str, str | None],
    ) -> Credentials:
        """Pick credentials from ``layers``, first match wins.

        Each layer maps ``"api_token"``, ``"api_key"`` and ``"email"`` to a value or ``None``:
        explicit arguments, then stack config, then the environment (see :func:`environment_layer`).
        Within a layer a token beats an email + key. Raises :class:`MissingCredentialsError`
        when no layer holds a complete set.
        """
        for layer in layers:
            token, key, email = layer.get("api_token"), layer.get("api_key"), layer.get("email")
            if token:
                return cls(api_token=token)
            if key or email:
                return cls(api_key=key or None, email=email or None)
        return cls()

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


def environment_layer(environ: Mapping[str, str]) -> dict[str, str | None]:
    """The credentials layer read from Cloudflare's usual environment variables."""
    return {
        "api_token": environ.get(ENV_API_TOKEN),
        "api_key": environ.get(ENV_API_KEY),
        "email": environ.get(ENV_EMAIL),
    }
