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

from .._config import Settings, environment_layer, resolve_account_id, resolve_settings

__all__ = ["CREDENTIALS_NAMESPACE", "Lookup", "Settings", "account_id_for", "program_config", "settings_for"]

CREDENTIALS_NAMESPACE = "cloudflare"
ACCOUNT_ID_KEY = "cf-billing:accountId"

Lookup = Callable[[str], "str | None"]
"""Reads one fully qualified stack config key (``"cloudflare:apiToken"``), ``None`` when unset."""


def settings_for(
    lookup: Lookup,
    *,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
    namespace: str = CREDENTIALS_NAMESPACE,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Credentials and base URL: arguments, then stack config under ``namespace``, then the environment."""
    arguments = {"api_token": api_token, "api_key": api_key, "email": email, "base_url": base_url}
    stack = {key: lookup(f"{namespace}:{name}") for key, name in _STACK_KEYS.items()}
    return resolve_settings(arguments, stack, environment_layer(os.environ if environ is None else environ))


def account_id_for(
    lookup: Lookup, account_id: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The account id: argument, then ``cf-billing:accountId``, then ``CLOUDFLARE_ACCOUNT_ID``."""
    env = environment_layer(os.environ if environ is None else environ)
    return resolve_account_id({"account_id": account_id}, {"account_id": lookup(ACCOUNT_ID_KEY)}, env)


_STACK_KEYS = {"api_token": "apiToken", "api_key": "apiKey", "email": "email", "base_url": "baseUrl"}


def program_config(key: str) -> str | None:
    """The :data:`Lookup` of a Pulumi program: reads ``namespace:name`` with ``pulumi.Config``."""
    import pulumi  # noqa: PLC0415  # only Pulumi programs need it; the CLI starts faster without

    namespace, _, name = key.partition(":")
    return pulumi.Config(namespace).get(name)
