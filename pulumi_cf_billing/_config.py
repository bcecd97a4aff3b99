"""Configuration: every environment variable, default and rule for what a user configures, in one place.

Both the clients (arguments, then the environment) and the Pulumi surface (arguments, then stack
config, then the environment) resolve settings here, from *layers*: mappings with the keys
``api_token``, ``api_key``, ``email``, ``base_url`` and ``account_id`` (``None``: not set there).
The first layer that sets a value wins; for credentials, the first layer that sets any of them
wins as a whole (a token beats an email + key within it). Every value is checked before any request.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ._credentials import Credentials
from ._exceptions import ConfigurationError, InvalidAccountIdError, MissingCredentialsError
from ._text import ECHO_LIMIT, shown

__all__ = [
    "ACCOUNT_ID_HINT",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT_S",
    "ENV_ACCOUNT_ID",
    "ENV_API_KEY",
    "ENV_API_TOKEN",
    "ENV_BASE_URL",
    "ENV_EMAIL",
    "Layer",
    "ProxySetting",
    "Settings",
    "environment_layer",
    "is_loopback",
    "proxy_url_for",
    "resolve_account_id",
    "resolve_settings",
    "validate_account_id",
    "validate_base_url",
]

ENV_API_TOKEN = "CLOUDFLARE_API_TOKEN"  # noqa: S105  # a variable name, not a secret
ENV_API_KEY = "CLOUDFLARE_API_KEY"
ENV_EMAIL = "CLOUDFLARE_EMAIL"
ENV_BASE_URL = "CLOUDFLARE_BASE_URL"
ENV_ACCOUNT_ID = "CLOUDFLARE_ACCOUNT_ID"

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
DEFAULT_TIMEOUT_S = 30.0
"""The overall deadline of one read, in seconds, retries included: clients, functions, guard and CLI."""
ACCOUNT_ID_HINT = "the Account ID on the dashboard's Account home"


def missing_credentials_hint(namespace: str = "cloudflare") -> str:
    """What to set when no credentials were found; ``namespace`` is where the asking surface reads stack config."""
    return (
        f"Set {ENV_API_TOKEN} to an API token with the 'AI Gateway Read' permission "
        f"(or pulumi config set --secret {namespace}:apiToken), or set {ENV_API_KEY} and {ENV_EMAIL}."
    )


_ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")

Layer = Mapping[str, "str | None"]
"""One source of settings: explicit arguments, stack config, or the environment."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything one read needs besides the account id. Holds credentials: never store or pickle it."""

    credentials: Credentials
    base_url: str


def environment_layer(environ: Mapping[str, str]) -> dict[str, str | None]:
    """The layer read from Cloudflare's usual environment variables."""
    return {
        "api_token": environ.get(ENV_API_TOKEN),
        "api_key": environ.get(ENV_API_KEY),
        "email": environ.get(ENV_EMAIL),
        "base_url": environ.get(ENV_BASE_URL),
        "account_id": environ.get(ENV_ACCOUNT_ID),
    }


def resolve_settings(
    *layers: Layer, credentials: Credentials | None = None, config_namespace: str = "cloudflare"
) -> Settings:
    """Credentials (unless given) and base URL from ``layers``, first match wins; checked now.

    Raises :class:`MissingCredentialsError` when no layer holds a usable set (its hint names the
    stack config key ``{config_namespace}:apiToken``), and :class:`ConfigurationError` for an unusable value.
    """
    base_url = next((url for layer in layers if (url := layer.get("base_url"))), DEFAULT_BASE_URL)
    return Settings(credentials or _credentials(layers, config_namespace), validate_base_url(base_url))


def _credentials(layers: tuple[Layer, ...], config_namespace: str) -> Credentials:
    for layer in layers:
        token, key, email = layer.get("api_token"), layer.get("api_key"), layer.get("email")
        if token or key or email:
            try:
                return Credentials(api_token=token) if token else Credentials(api_key=key or None, email=email or None)
            except MissingCredentialsError as error:
                raise MissingCredentialsError(f"{error.message} {missing_credentials_hint(config_namespace)}") from None
    raise MissingCredentialsError(
        f"No Cloudflare credentials are configured. {missing_credentials_hint(config_namespace)}"
    )


def resolve_account_id(*layers: Layer) -> str | None:
    """The first account id a layer sets, unchecked (see :func:`validate_account_id`); ``None`` when none does."""
    return next((account for layer in layers if (account := layer.get("account_id"))), None)


def validate_account_id(account_id: str | None) -> str:
    """Return the account id, trimmed and lower-cased, or raise :class:`InvalidAccountIdError`."""
    if not account_id or not account_id.strip():
        raise InvalidAccountIdError(
            "No Cloudflare account id was given: pass one (--account-id, account_id=, cf-billing:accountId) "
            f"or set {ENV_ACCOUNT_ID}. It is {ACCOUNT_ID_HINT}."
        )
    normalized = account_id.strip().lower()
    if not _ACCOUNT_ID.fullmatch(normalized):
        # A long value may be a credential pasted into the wrong place: shown() does not echo it.
        raise InvalidAccountIdError(
            f"{shown(account_id)} is not a Cloudflare account id: expected 32 hexadecimal characters "
            f"({ACCOUNT_ID_HINT}).",
            account_id=account_id if len(account_id) <= ECHO_LIMIT else None,
        )
    return normalized


def validate_base_url(base_url: str) -> str:
    """Return the API base URL without a trailing slash, or raise :class:`ConfigurationError` before any request.

    Accepts ``https://HOST[:PORT][/PATH]``, and plain ``http://`` only to a loopback host (the fake API),
    so a credential is never sent unencrypted over a network. Refused: anything that does not parse,
    a bad port, user info (``user:pw@``, which would replace the API token), a query, a fragment,
    dot segments, whitespace, control or non-ASCII characters.
    """
    text = base_url.strip()
    problem = _base_url_problem(text)
    if problem is None:
        return text.rstrip("/")
    named = "that base URL" if "@" in text else f"base URL {shown(text)}"
    raise ConfigurationError(
        f"Cannot use {named}: {problem}. Use https://HOST/PATH (plain http:// only to a loopback host such as "
        f"127.0.0.1, where the fake API runs); the default is {DEFAULT_BASE_URL}."
    )


def _base_url_problem(text: str) -> str | None:
    if not text.isascii() or not text.isprintable() or any(char.isspace() for char in text):
        return "it holds whitespace, control or non-ASCII characters"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  # parses the port, raising ValueError when it is not one
    except ValueError:
        return "it does not parse as a URL (check brackets and the port)"
    checks = (
        (parts.scheme not in ("http", "https") or not parts.hostname, "it needs an https:// scheme and a host"),
        ("@" in parts.netloc, "it holds user info (user:password@), which would replace the API token"),
        ("?" in text or "#" in text, "it holds a query or a fragment"),
        (any(part in (".", "..") for part in parts.path.split("/")), "it holds . or .. path segments"),
        (parts.scheme == "http" and not is_loopback(parts.hostname or ""), "plain http:// is only for loopback"),
    )
    return next((problem for failed, problem in checks if failed), None)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's host name, brackets removed) names this machine: ``localhost`` or a loopback IP."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- proxies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxySetting:
    """A proxy to reach Cloudflare through: its ``scheme://host:port`` and, if it has one, its user and password."""

    url: str
    auth: tuple[str, str] | None = field(default=None, repr=False)  # a proxy password is a credential


def proxy_url_for(base_url: str, environ: Mapping[str, str]) -> ProxySetting | None:
    """The proxy to reach ``base_url`` through: from ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` and ``NO_PROXY``.

    A loopback base URL never goes through a proxy: plain ``http://`` is allowed there only because
    loopback traffic stays on the machine. Raises :class:`ConfigurationError` for a proxy URL this
    client cannot use (SOCKS, or one that does not parse).
    """
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    proxies = _environment_proxies(environ)
    url = proxies.get(parts.scheme) or proxies.get("all")
    if is_loopback(host) or not url or _bypassed(host, proxies.get("no")):
        return None
    try:
        proxy = urlsplit(url if "://" in url else f"http://{url}")
        port = proxy.port
    except ValueError:
        raise ConfigurationError(
            "The proxy in the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) does not parse."
        ) from None
    if proxy.scheme not in ("http", "https") or not proxy.hostname:
        raise ConfigurationError(
            f"The proxy in the environment uses {proxy.scheme or 'no'} scheme; this client reaches Cloudflare "
            "through an http:// or https:// proxy only. Unset it, or set NO_PROXY=api.cloudflare.com."
        )
    auth = (proxy.username or "", proxy.password or "") if proxy.username is not None else None
    netloc = f"[{proxy.hostname}]" if ":" in proxy.hostname else proxy.hostname
    return ProxySetting(f"{proxy.scheme}://{netloc}:{port or (443 if proxy.scheme == 'https' else 80)}", auth)


def _environment_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    # urllib reads os.environ; filter the given mapping the same way (lower case wins, as in urllib).
    found: dict[str, str] = {}
    for name, value in environ.items():
        lowered = name.lower()
        if value and lowered.endswith("_proxy") and (name == lowered or lowered[:-6] not in found):
            found[lowered[:-6]] = value
    return found


def _bypassed(host: str, no_proxy: str | None) -> bool:
    """Whether ``NO_PROXY`` (``*``, or comma-separated hosts and domain suffixes) names ``host``."""
    entries = [entry.strip().lower().lstrip(".") for entry in (no_proxy or "").split(",") if entry.strip()]
    host = host.lower()
    return any(entry in ("*", host) or host.endswith(f".{entry}") for entry in entries)
