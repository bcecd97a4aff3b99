"""The CrossGuard policy pack: refuse any stack's deploy, in any Pulumi language, when AI Gateway credits are low.

The policy ``ai-gateway-credit-floor`` judges, before the first resource of a stack is created,
updated or replaced, every account in its ``accountIds`` config, and, as they appear, the accounts
that ``cloudflare:`` resources deploy to (their ``accountId`` or ``account_id`` input, or
``account: {id: ...}`` as newer resources name it). It reads each account once per run, with
credentials from the deploy's environment (``CLOUDFLARE_API_TOKEN``, or ``CLOUDFLARE_API_KEY`` +
``CLOUDFLARE_EMAIL``; ``CLOUDFLARE_BASE_URL``), and reports each account's breach once per run, in
the guard's one line: at the stack resource for the configured accounts, at the first resource
that names any other. The config's values are the guard's inputs, parsed by the one guard
definition; a bad value is a violation naming its key, whatever ``onError`` says. Needs the
``policy`` extra: ``pip install 'pulumi-cf-billing[policy]'``.

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

from .._assess import read_for
from .._client import CreditBalanceClient
from .._guard_definition import GUARD_INPUTS, camel
from .._guard_judging import Guard, InputProblem, judge_guard, parse_guard
from .._version import __version__

__all__ = ["CONFIG_SCHEMA", "PACK_DIR", "PACK_NAME", "POLICY_NAME", "AccountJudge", "credit_floor_policy", "serve"]

PACK_NAME = "cf-billing"
PACK_VERSION = __version__
"""The pack's version is the package's (``PulumiPolicy.yaml`` says the same; a test holds them together)."""
POLICY_NAME = "ai-gateway-credit-floor"
PACK_DIR = Path(__file__).parent / "pack"
"""A ready pack: ``pulumi preview --policy-pack "$(cf-billing policy-pack path)"``."""

_CONFIG_INPUTS = tuple(item for item in GUARD_INPUTS if item.name not in ("account_id", "on_breach"))
"""The guard's inputs a policy config takes: a breach is the enforcement level's business, accounts come below."""
CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    **{item.camel: item.json_schema for item in _CONFIG_INPUTS},
    "accountIds": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "description": "accounts to judge in every stack, besides those its cloudflare resources deploy to",
    },
}
_ACCOUNT_KEYS = ("accountId", "account_id")


def guard_from(account_id: str, config: Mapping[str, Any]) -> Guard | list[InputProblem]:
    """The guard a policy config asks for, for ``account_id``; or the config's problems, each naming its key."""
    parsed = parse_guard({**config, "accountId": account_id}, spelling=camel, inputs=(GUARD_INPUTS[0], *_CONFIG_INPUTS))
    return parsed.guard if parsed.guard is not None else parsed.problems


def config_problem(config: Mapping[str, Any]) -> str | None:
    """The violation a bad policy config is, naming each bad key; ``None`` for a good config."""
    parsed = parse_guard(config, spelling=camel, inputs=_CONFIG_INPUTS)
    if not parsed.problems:
        return None
    reasons = "; ".join(problem.reason for problem in parsed.problems)
    return f"{POLICY_NAME}: the policy config is not valid: {reasons}. Fix the pack's config; nothing was read."


class AccountJudge:
    """Judges each account once per run (one read however many resources name it); reports each verdict once.

    ``client`` makes a client for the deploy's environment; ``now`` is the clock of runway measurements.
    """

    def __init__(
        self,
        client: Callable[[], CreditBalanceClient] = CreditBalanceClient,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client, self._now = client, now
        self._verdicts: dict[str, str | None] = {}
        self._config_problem: str | None = None  # "" once the config is known to be good

    def problem(self, account_id: str, config: Mapping[str, Any]) -> str | None:
        """The violation for ``account_id`` under ``config``, ``None`` when it may deploy (or on a warned error)."""
        if account_id not in self._verdicts:
            self._verdicts[account_id] = self._judge(account_id, config)
        return self._verdicts[account_id]

    def new_problems(self, account_ids: list[str], config: Mapping[str, Any]) -> list[str]:
        """The violations not reported yet in this run: a bad config once (and no read), else once per account."""
        if self._config_problem is None:
            self._config_problem = config_problem(config) or ""
            if self._config_problem:
                return [self._config_problem]
        if self._config_problem:
            return []
        fresh = [account_id for account_id in dict.fromkeys(account_ids) if account_id not in self._verdicts]
        return [problem for account_id in fresh if (problem := self.problem(account_id, config)) is not None]

    def _judge(self, account_id: str, config: Mapping[str, Any]) -> str | None:
        guard = guard_from(account_id, config)
        if not isinstance(guard, Guard):
            return f"{POLICY_NAME}: " + "; ".join(problem.reason for problem in guard)
        now = self._now()
        with self._client() as client:
            verdict = judge_guard(guard, lambda: read_for(client, guard.account_id, guard.rules, now), now, POLICY_NAME)
        if verdict.status == "unreadable" and not verdict.stops_deploy:
            print(f"warning: {verdict.message}", file=sys.stderr)
            return None
        return None if verdict.status == "ok" else verdict.message


def accounts_in(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    """The account ids a ``cloudflare:`` resource's inputs name: ``accountId``, ``account_id`` or ``account: {id}``."""
    if not resource_type.startswith("cloudflare:"):
        return []
    account = props.get("account")
    named = [props.get(key) for key in _ACCOUNT_KEYS] + [account.get("id") if isinstance(account, Mapping) else None]
    return [value for value in named if isinstance(value, str)]


def credit_floor_policy(judge: AccountJudge | None = None) -> Any:
    """The ``ai-gateway-credit-floor`` resource policy (a ``pulumi_policy.ResourceValidationPolicy``)."""
    from pulumi_policy import PolicyConfigSchema, ResourceValidationPolicy  # noqa: PLC0415  # the optional extra

    accounts = judge or AccountJudge()

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        config = args.get_config()
        # The stack resource comes first: judging the configured accounts there stops the deploy
        # before any resource is created, updated or replaced, and reports each account once.
        named = [*config.get("accountIds", []), *accounts_in(args.resource_type, args.props)]
        for problem in accounts.new_problems([account_id.strip().lower() for account_id in named], config):
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
