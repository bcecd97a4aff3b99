"""The CrossGuard policy pack: refuse any stack's deploy, in any Pulumi language, when AI Gateway credits are low.

The policy ``ai-gateway-credit-floor`` judges, before the first resource of a stack is created,
updated or replaced, every account in its ``accountIds`` config, and, as they appear, the accounts
that ``cloudflare:`` resources deploy to (their ``accountId``/``account_id`` input). It reads each
account once per run, with credentials from the deploy's environment (``CLOUDFLARE_API_TOKEN``, or
``CLOUDFLARE_API_KEY`` + ``CLOUDFLARE_EMAIL``; ``CLOUDFLARE_BASE_URL``), and reports a breach in the
guard's one line. Needs the ``policy`` extra: ``pip install 'pulumi-cf-billing[policy]'``.

Config (``--policy-pack-config FILE`` or a policy group's config), e.g.
``{"ai-gateway-credit-floor": {"enforcementLevel": "mandatory", "floorUsd": 50, "accountIds": ["0123..."]}}``:
``floorUsd`` (US dollars, required), ``accountIds``, ``requireAutoTopup``, ``minRunwayDays``,
``runwayWindowDays``, ``requireSpendingLimit`` and ``onError`` (``fail``: an unreadable account is a
violation; ``warn``: it is reported on stderr and the deploy goes on).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._assess import Rules, assess, read_for
from .._client import CreditBalanceClient
from .._config import validate_account_id
from .._exceptions import CloudflareBillingError
from .._money import parse_usd
from .._verdict import DEFAULT_RUNWAY_WINDOW_DAYS, breach_message

__all__ = ["CONFIG_SCHEMA", "PACK_DIR", "PACK_NAME", "POLICY_NAME", "AccountJudge", "credit_floor_policy", "serve"]

PACK_NAME = "cf-billing"
POLICY_NAME = "ai-gateway-credit-floor"
PACK_DIR = Path(__file__).parent / "pack"
"""A ready pack: ``pulumi preview --policy-pack "$(cf-billing policy-pack path)"``."""

CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    "floorUsd": {"type": "number", "minimum": 0, "description": "the lowest acceptable balance, US dollars"},
    "accountIds": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "description": "accounts to judge in every stack, besides those its cloudflare resources deploy to",
    },
    "requireAutoTopup": {"type": "boolean", "description": "also require auto top-up at or above the floor"},
    "minRunwayDays": {"type": "number", "minimum": 0, "description": "days the balance must last at measured spend"},
    "runwayWindowDays": {"type": "integer", "minimum": 1, "maximum": 90, "description": "complete days measured"},
    "requireSpendingLimit": {"type": "boolean", "description": "also require an account spending limit"},
    "onError": {"enum": ["fail", "warn"], "description": "an unreadable account: a violation, or a warning"},
}
_ACCOUNT_KEYS = ("accountId", "account_id")


def rules_from(config: Mapping[str, Any]) -> Rules:
    """The rules a policy config asks for (already validated against :data:`CONFIG_SCHEMA` by the engine)."""
    days = config.get("minRunwayDays")
    return Rules(
        floor_usd=parse_usd(config["floorUsd"], what="floorUsd"),
        require_auto_topup=bool(config.get("requireAutoTopup")),
        min_runway_days=None if days is None else parse_usd(days, what="minRunwayDays"),
        runway_window_days=int(config.get("runwayWindowDays") or DEFAULT_RUNWAY_WINDOW_DAYS),
        require_spending_limit=bool(config.get("requireSpendingLimit")),
    )


class AccountJudge:
    """Judges each account once per run (one read however many resources name it) and remembers the verdict.

    ``client`` makes a client for the deploy's environment; ``now`` is the clock of runway measurements.
    """

    def __init__(
        self,
        client: Callable[[], CreditBalanceClient] = CreditBalanceClient,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client, self._now = client, now
        self._verdicts: dict[str, str | None] = {}

    def problem(self, account_id: str, config: Mapping[str, Any]) -> str | None:
        """The violation for ``account_id`` under ``config``, ``None`` when it may deploy (or on a warned error)."""
        if account_id not in self._verdicts:
            self._verdicts[account_id] = self._judge(account_id, config)
        return self._verdicts[account_id]

    def _judge(self, account_id: str, config: Mapping[str, Any]) -> str | None:
        try:
            rules = rules_from(config)
            with self._client() as client:
                reading = read_for(client, validate_account_id(account_id), rules, self._now())
        except (CloudflareBillingError, ValueError) as error:
            message = f"{POLICY_NAME}: could not read the AI Gateway balance of account {account_id}: {error}"
            if config.get("onError") == "warn":
                print(f"warning: {message}", file=sys.stderr)
                return None
            return message
        _, problems = assess(reading, rules, self._now())
        return breach_message(POLICY_NAME, reading.balance, rules.floor_usd, problems) if problems else None


def accounts_in(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    """The account ids a ``cloudflare:`` resource's inputs name (none for other resources)."""
    if not resource_type.startswith("cloudflare:"):
        return []
    return [props[key] for key in _ACCOUNT_KEYS if isinstance(props.get(key), str)]


def credit_floor_policy(judge: AccountJudge | None = None) -> Any:
    """The ``ai-gateway-credit-floor`` resource policy (a ``pulumi_policy.ResourceValidationPolicy``)."""
    from pulumi_policy import PolicyConfigSchema, ResourceValidationPolicy  # noqa: PLC0415  # the optional extra

    accounts = judge or AccountJudge()

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        config = args.get_config()
        # The stack resource comes first: judging the configured accounts there stops the deploy
        # before any resource is created, updated or replaced.
        for account_id in [*config.get("accountIds", []), *accounts_in(args.resource_type, args.props)]:
            problem = accounts.problem(account_id.strip().lower(), config)
            if problem is not None:
                report_violation(problem)

    return ResourceValidationPolicy(
        name=POLICY_NAME,
        description="Refuses a deploy when an account's AI Gateway credits are under a floor, or will be soon.",
        validate=validate,
        config_schema=PolicyConfigSchema(properties=CONFIG_SCHEMA, required=["floorUsd"]),
    )


def serve() -> None:
    """Serve the pack to the engine (what a pack's ``__main__.py`` calls)."""
    from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: PLC0415  # the optional extra

    PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=[credit_floor_policy()])
