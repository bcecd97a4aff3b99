"""One account judged against a set of rules: what to read for them, and the verdict.

The guard's provider, the policy pack and the CLI's ``check`` judge through here, so a rule, its
reads and its words exist once. Reads go through a caller's client (its deadline, retries, pacing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ._models import CreditBalance, SpendingLimit, UsageHistory
from ._topup import DEFAULT_TOPUP_FAILURE_WINDOW_DAYS
from ._verdict import DEFAULT_RUNWAY_WINDOW_DAYS, Runway, judge, measure_runway, runway_window

if TYPE_CHECKING:  # judging needs no client; read_for reads through the caller's
    from ._client import CreditBalanceClient

__all__ = ["Reading", "Rules", "assess", "read_for"]


@dataclass(frozen=True, slots=True)
class Rules:
    """What a deploy needs: a floor in US dollars; optionally working auto top-up, a runway, a spending limit."""

    floor_usd: Decimal
    require_auto_topup: bool = False
    min_runway_days: Decimal | None = None
    runway_window_days: int = DEFAULT_RUNWAY_WINDOW_DAYS
    require_spending_limit: bool = False
    topup_failure_window_days: int = DEFAULT_TOPUP_FAILURE_WINDOW_DAYS

    @property
    def needs_usage(self) -> bool:
        """Whether judging needs the usage history (a runway rule)."""
        return self.min_runway_days is not None

    def usage_range(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The usage history judging needs at ``now`` (the runway window's complete UTC days), if any."""
        return runway_window(now, self.runway_window_days) if self.needs_usage else None


@dataclass(frozen=True, slots=True)
class Reading:
    """What was read of one account: the balance, and the usage history and spending limit when a rule needs them."""

    balance: CreditBalance
    usage: UsageHistory | None = None
    spending_limit: SpendingLimit | None = None


def read_for(client: CreditBalanceClient, account_id: str, rules: Rules, now: datetime) -> Reading:
    """Read what ``rules`` need of ``account_id``: one request, one more per rule that needs one."""
    balance = client.get(account_id)
    span = rules.usage_range(now)
    usage = None if span is None else client.get_usage_history(account_id, start=span[0], end=span[1])
    limit = client.get_spending_limit(account_id) if rules.require_spending_limit else None
    return Reading(balance, usage, limit)


def assess(reading: Reading, rules: Rules, now: datetime) -> tuple[Runway | None, list[str]]:
    """The measured runway (with usage) and the problems with ``reading``, most urgent first."""
    balance = reading.balance
    runway = None
    if reading.usage is not None:
        runway = measure_runway(balance.balance_usd, rules.floor_usd, reading.usage, now, rules.runway_window_days)
    problems = judge(
        balance,
        rules.floor_usd,
        now=now,
        require_auto_topup=rules.require_auto_topup,
        topup_failure_window_days=rules.topup_failure_window_days,
        min_runway_days=rules.min_runway_days,
        runway=runway,
        require_spending_limit=rules.require_spending_limit,
        spending_limit=reading.spending_limit,
    )
    return runway, problems
