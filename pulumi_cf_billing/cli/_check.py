"""``cf-billing check``: every account judged by the guard's rules, one line (or JSON object) each, one exit code.

The rules are the guard definition's (:mod:`.._guard_definition`), parsed by :mod:`.._guard_judging`
and judged by its code (:func:`.._assess.assess`), in its words: a check passes exactly when a
``CreditBalanceGuard`` with the same inputs would. The reads a rule needs (usage history, spending limit) go through the
command's one client with the balance, under one deadline per account.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .._assess import Reading, Rules, assess
from .._models import CreditBalance, SpendingLimit, UsageHistory
from .._money import format_usd
from .._serialize import credit_balance_to_dict, spending_limit_to_dict
from .._verdict import Runway
from ._args import CheckCommand
from ._exit_codes import ExitCode
from ._fetch import AccountReads, ReadHooks, ReadPlan, UsageRange, read_accounts
from ._render import TOP_UP_URL, failed_to_dict, failure_summary, to_json

__all__ = ["Judged", "check_exit_code", "run_check", "verdict_word"]


@dataclass(frozen=True)
class Judged:
    """One account checked: its reads, and when every read succeeded its ``reading``, runway and ``problems``.

    ``problems`` are the guard's, most urgent first: empty when the account passes.
    """

    reads: AccountReads
    reading: Reading | None = None
    runway: Runway | None = None
    problems: tuple[str, ...] = ()

    def below(self, floor_usd: Decimal) -> bool | None:
        """Whether the balance is below ``floor_usd``; ``None`` when the account could not be judged."""
        return None if self.reading is None else self.reading.balance.is_below(floor_usd)


def run_check(
    command: CheckCommand,
    hooks: ReadHooks | None = None,
    now: datetime | None = None,
    report: Callable[[Sequence[Judged]], None] | None = None,
) -> ExitCode:
    """Judge every account by ``command.rules``, then ``report`` the verdicts; see :func:`check_exit_code`."""
    moment = now or datetime.now(UTC)
    rules = command.rules
    accounts = [judge(reads, rules, moment) for reads in read_accounts(command.read, plan(rules, moment), hooks)]
    if command.read.as_json:
        print(to_json([check_to_dict(account, rules) for account in accounts]))
    else:
        print("\n".join(check_line(account, rules) for account in accounts))
    if report is not None:
        report(accounts)
    _summarise(accounts, rules)
    return check_exit_code(accounts)


def plan(rules: Rules, now: datetime) -> ReadPlan:
    """The reads ``rules`` need of each account: the balance, and usage history or spending limit for their rules."""
    span = rules.usage_range(now)
    return ReadPlan(
        usage=None if span is None else UsageRange("day", *span), spending_limit=rules.require_spending_limit
    )


def judge(reads: AccountReads, rules: Rules, now: datetime) -> Judged:
    """``reads`` judged by the guard's code; unjudged (no reading) when any read failed."""
    balance, usage, limit = reads.balance, reads.usage, reads.spending_limit
    if reads.failures or not isinstance(balance, CreditBalance):
        return Judged(reads)
    reading = Reading(
        balance,
        usage if isinstance(usage, UsageHistory) else None,
        limit if isinstance(limit, SpendingLimit) else None,
    )
    runway, problems = assess(reading, rules, now)
    return Judged(reads, reading, runway, tuple(problems))


def check_exit_code(accounts: Sequence[Judged]) -> ExitCode:
    """3 when any account is unreadable (it wins), 1 when any breaks a rule, else 0."""
    if any(account.reading is None for account in accounts):
        return ExitCode.UNREADABLE
    return ExitCode.BELOW if any(account.problems for account in accounts) else ExitCode.OK


def verdict_word(account: Judged, floor_usd: Decimal) -> str:
    """``ERROR`` (unreadable), ``ok``, ``BELOW`` (under ``floor_usd``) or ``BREACH`` (meets it, breaks another rule)."""
    if account.reading is None:
        return "ERROR"
    if not account.problems:
        return "ok"
    return "BELOW" if account.below(floor_usd) else "BREACH"


def check_line(account: Judged, rules: Rules) -> str:
    """``ok``/``BELOW``/``BREACH``/``ERROR``, the account, then: balance and floor, the guard's problems, or why not."""
    reads, reading = account.reads, account.reading
    word = verdict_word(account, rules.floor_usd)
    head = f"{word:<7}{reads.account_id}  "
    if reading is None:
        return head + failure_summary(reads)
    balance, floor = format_usd(reading.balance.balance_usd), format_usd(rules.floor_usd)
    if word == "ok":
        return f"{head}{balance} ≥ floor {floor}"
    if word == "BELOW":  # the first problem is the floor's, said here in short
        others = "".join(f"; {problem}" for problem in account.problems[1:])
        return f"{head}{balance} < floor {floor}{others} — top up at {TOP_UP_URL}"
    return f"{head}{'; '.join(account.problems)} (balance {balance} ≥ floor {floor})"


def check_to_dict(account: Judged, rules: Rules) -> dict[str, Any]:
    """The ``balance --json`` object plus the verdict: ``floor_usd``, ``below_floor``, the guard's ``problems``.

    With a runway rule also ``runway_window_days``, ``spend_usd_per_day``, ``days_until_floor`` and
    ``runway_too_short``; with the spending-limit rule the ``spending_limit`` read. An account with a
    failed read has an ``error`` naming that ``read``, the balance's keys only when the balance was
    read, and ``null`` verdicts. Amounts exact.
    """
    reads, reading, runway = account.reads, account.reading, account.runway
    data: dict[str, Any] = {"account_id": reads.account_id}
    if isinstance(reads.balance, CreditBalance):
        data |= credit_balance_to_dict(reads.balance, exact=True)
    if reading is None:
        data |= failed_to_dict(reads)
    data |= {
        "floor_usd": rules.floor_usd,
        "below_floor": account.below(rules.floor_usd),
        "problems": None if reading is None else list(account.problems),
    }
    if rules.min_runway_days is not None:
        days = None if runway is None else runway.days_until_floor
        data |= {
            "runway_window_days": rules.runway_window_days,
            "spend_usd_per_day": None if runway is None else runway.spend_usd_per_day,
            "days_until_floor": days,
            "runway_too_short": None if runway is None else days is not None and days < rules.min_runway_days,
        }
    if rules.require_spending_limit:
        limit = None if reading is None else reading.spending_limit
        data["spending_limit"] = None if limit is None else spending_limit_to_dict(limit, exact=True)
    return data


def _summarise(accounts: Sequence[Judged], rules: Rules) -> None:
    """One line on stderr per kind of trouble: unreadable accounts, accounts below the floor, other breaches."""
    total = len(accounts)
    unread = sum(account.reading is None for account in accounts)
    below = sum(bool(account.below(rules.floor_usd)) for account in accounts)
    other = sum(bool(account.problems) for account in accounts) - below
    if unread:
        print(
            f"cf-billing: {unread} of {total} accounts could not be read: the check cannot be vouched for (exit 3). "
            "See each error for what to do.",
            file=sys.stderr,
        )
    if below:
        print(
            f"cf-billing: {below} of {total} accounts are below the floor of {format_usd(rules.floor_usd)}: top up, "
            "or turn on auto top-up, in the dashboard.",
            file=sys.stderr,
        )
    if other:
        print(
            f"cf-billing: {other} of {total} accounts meet the floor but break a rule: see their lines.",
            file=sys.stderr,
        )
