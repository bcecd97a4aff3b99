"""The provider's config (``cf-billing:apiToken`` ...): parsed strictly, then the ``CLOUDFLARE_*`` environment.

A config value of the wrong kind (a number, a map, an empty text) is refused, naming its key, and
never skipped: skipping it would silently fall back to the environment, which may hold another
credential. A value not known yet (an explicit provider's input during preview) is kept as unknown,
so the guard waits for it instead of reading with another credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pulumi.provider.experimental.property_value import PropertyValue

from .._config import environment_layer, resolve_account_id, resolve_settings
from .._exceptions import ConfigurationError
from ._values import is_unknown

if TYPE_CHECKING:  # the client and the reads load on the first read, not when the plugin starts
    from .._assess import Reading, Rules
    from .._client import CreditBalanceClient

__all__ = ["NAMESPACE", "PluginSettings", "config_problems", "parse_config"]

NAMESPACE = "cf-billing"
"""The provider's stack config namespace: ``cf-billing:apiToken`` and the like."""
_KEYS = {
    "apiToken": "api_token",
    "apiKey": "api_key",
    "email": "email",
    "baseUrl": "base_url",
    "accountId": "account_id",
}
_SECRET_KEYS = ("apiToken", "apiKey")


@dataclass(frozen=True)
class PluginSettings:
    """What one configured provider reads with: its config layer, then ``environ``. Holds credentials: never log it."""

    config: Mapping[str, str | None] = field(default_factory=dict, repr=False)
    secret_account: bool = False
    unknown: frozenset[str] = frozenset()
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def client(self) -> CreditBalanceClient:
        """A client with the config's credentials, else the environment's; refuses missing ones, naming our keys.

        Refused too while a config value is not known yet: the environment's credential may not stand in for it.
        """
        if self.unknown:
            keys = ", ".join(f"{NAMESPACE}:{key}" for key in sorted(self.unknown))
            raise ConfigurationError(f"The provider cannot read yet: {keys} is not known until pulumi up.")
        from .._client import CreditBalanceClient  # noqa: PLC0415  # loaded on the first read: see the package docstring

        settings = resolve_settings(self.config, environment_layer(self.environ), config_namespace=NAMESPACE)
        return CreditBalanceClient(credentials=settings.credentials, base_url=settings.base_url, environ=self.environ)

    def default_account(self) -> str | None:
        """The account id when an input gives none: ``cf-billing:accountId``, then ``CLOUDFLARE_ACCOUNT_ID``."""
        return resolve_account_id(self.config, environment_layer(self.environ))

    def read(self, account_id: str, rules: Rules, now: datetime) -> Reading:
        """What ``rules`` need of ``account_id`` at ``now``: the guard's reader."""
        from .._assess import read_for  # noqa: PLC0415  # loaded on the first read: see the package docstring

        with self.client() as client:
            return read_for(client, account_id, rules, now)


def config_problems(args: Mapping[str, PropertyValue]) -> dict[str, str]:
    """What is wrong with the provider's config, by key (``apiToken``), in words naming ``cf-billing:apiToken``."""
    problems: dict[str, str] = {}
    for key in _KEYS:
        value = args.get(key)
        if value is None or value.value is None or is_unknown(value):
            continue
        if not isinstance(value.value, str) or not value.value.strip():
            # A credential's value is never echoed, whatever its kind.
            got = _kind(value.value, reveal=not value.is_secret and key not in _SECRET_KEYS)
            problems[key] = (
                f"{NAMESPACE}:{key} must be a non-empty text; got {got}. Set it with pulumi config set "
                f"{'--secret ' if key in _SECRET_KEYS else ''}{NAMESPACE}:{key} VALUE, or remove it "
                "(pulumi config rm) to use the CLOUDFLARE_* environment."
            )
    return problems


def parse_config(args: Mapping[str, PropertyValue], environ: Mapping[str, str]) -> PluginSettings:
    """The settings ``args`` (the Configure request's) give; check :func:`config_problems` first."""
    known = {key: args[key] for key in _KEYS if key in args and not is_unknown(args[key])}
    account = known.get("accountId")
    return PluginSettings(
        config={name: _text(known.get(key)) for key, name in _KEYS.items()},
        secret_account=account is not None and account.is_secret,
        unknown=frozenset(key for key in _KEYS if key in args and is_unknown(args[key])),
        environ=environ,
    )


def _text(value: PropertyValue | None) -> str | None:
    return value.value if value is not None and isinstance(value.value, str) and value.value.strip() else None


def _kind(value: object, *, reveal: bool) -> str:
    """A config value that is not a text, described by its kind, and by itself when ``reveal`` and it is short."""
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "an empty text"
    if isinstance(value, bool):
        kind, text = "a boolean", str(value).lower()
    elif isinstance(value, float):
        kind, text = "a number", f"{value:g}"
    else:
        return "a value that is not text"
    return f"{kind} ({text})" if reveal else kind
