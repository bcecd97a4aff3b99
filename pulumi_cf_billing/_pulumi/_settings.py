"""Where the Pulumi surface finds credentials, base URL and account id; first match wins.

- credentials: ``api_token`` (or ``api_key`` + ``email``) argument, then stack config
  ``cloudflare:apiToken`` (or ``cloudflare:apiKey`` + ``cloudflare:email``), then the environment
  ``CLOUDFLARE_API_TOKEN`` (or ``CLOUDFLARE_API_KEY`` + ``CLOUDFLARE_EMAIL``);
- base URL: ``base_url`` argument, then ``cloudflare:baseUrl``, then ``CLOUDFLARE_BASE_URL``, then
  ``https://api.cloudflare.com/client/v4``;
- account id: ``account_id`` argument, then ``cf-billing:accountId``, then ``CLOUDFLARE_ACCOUNT_ID``.

The ``cloudflare`` namespace is the one the pulumi-cloudflare provider reads, so a stack set up for it
needs nothing new; another namespace can be named to read a second account's credentials.
Stack config is read through a ``lookup`` function, so the program (``pulumi.Config``) and the
dynamic provider (its ``configure()`` request) share this one resolution.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .._credentials import Credentials, environment_layer
from .._protocol import DEFAULT_BASE_URL, ENV_ACCOUNT_ID, ENV_BASE_URL, validate_base_url

__all__ = ["CREDENTIALS_NAMESPACE", "Lookup", "Settings", "program_config", "resolve_account_id", "resolve_settings"]

CREDENTIALS_NAMESPACE = "cloudflare"
ACCOUNT_ID_KEY = "cf-billing:accountId"

Lookup = Callable[[str], "str | None"]
"""Reads one fully qualified stack config key (``"cloudflare:apiToken"``), ``None`` when unset."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything one read needs besides the account id. Holds credentials: never store or pickle it."""

    credentials: Credentials
    base_url: str


def resolve_settings(
    lookup: Lookup,
    *,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
    namespace: str = CREDENTIALS_NAMESPACE,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve credentials and base URL: arguments, then stack config under ``namespace``, then the environment."""
    env = os.environ if environ is None else environ
    credentials = Credentials.resolve(
        {"api_token": api_token, "api_key": api_key, "email": email},
        {
            "api_token": lookup(f"{namespace}:apiToken"),
            "api_key": lookup(f"{namespace}:apiKey"),
            "email": lookup(f"{namespace}:email"),
        },
        environment_layer(env),
    )
    url = base_url or lookup(f"{namespace}:baseUrl") or env.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    return Settings(credentials=credentials, base_url=validate_base_url(url))


def resolve_account_id(
    lookup: Lookup, account_id: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The account id: argument, then ``cf-billing:accountId``, then ``CLOUDFLARE_ACCOUNT_ID``."""
    env = os.environ if environ is None else environ
    return account_id or lookup(ACCOUNT_ID_KEY) or env.get(ENV_ACCOUNT_ID)


def program_config(key: str) -> str | None:
    """The :data:`Lookup` of a Pulumi program: reads ``namespace:name`` with ``pulumi.Config``."""
    import pulumi  # noqa: PLC0415  # only Pulumi programs need it; the CLI starts faster without

    namespace, _, name = key.partition(":")
    return pulumi.Config(namespace).get(name)
