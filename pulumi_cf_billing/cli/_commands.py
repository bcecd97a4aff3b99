"""The ``balance`` and ``check`` commands: read every account, print the outcome, pick the exit code.

Per-account results go to stdout in the order the accounts were given (a table, lines, or one JSON
array); a one-line summary of what went wrong, if anything, goes to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from .._models import CreditBalance, UsageHistory
from .._money import format_usd
from .._serialize import outcome_to_dict
from .._verdict import Runway, measure_runway, runway_window
from ._args import BalanceCommand, CheckCommand
from ._exit_codes import ExitCode
from ._fetch import AccountResult, ReadHooks, read_all, read_usage_all
from ._render import balance_table, check_line, check_to_dict, to_json

__all__ = ["check_exit_code", "run_balance", "run_check"]


def _failures(outcomes: Sequence[AccountResult]) -> int:
    return sum(not isinstance(outcome, CreditBalance) for outcome in outcomes)


def _report_failures(outcomes: Sequence[AccountResult], consequence: str) -> None:
    failed = _failures(outcomes)
    if failed:
        print(f"cf-billing: {failed} of {len(outcomes)} accounts could not be read: {consequence}", file=sys.stderr)


def run_balance(command: BalanceCommand, hooks: ReadHooks | None = None) -> ExitCode:
    """Print every account's balance; 0 when all were read, 3 when any could not be."""
    ids = command.read.account_ids
    outcomes = read_all(command.read, hooks)
    if command.read.as_json:
        pairs = zip(ids, outcomes, strict=True)
        print(to_json([outcome_to_dict(account_id, outcome) for account_id, outcome in pairs]))
    else:
        print(balance_table(ids, outcomes))
    _report_failures(outcomes, "see each error for what to do, then run again.")
    return ExitCode.UNREADABLE if _failures(outcomes) else ExitCode.OK


def check_exit_code(
    outcomes: Sequence[AccountResult], floor_usd: Decimal, short: Sequence[bool] | None = None
) -> ExitCode:
    """3 when any account is unreadable (it wins), 1 when any is below the floor or its runway short, else 0."""
    if _failures(outcomes):
        return ExitCode.UNREADABLE
    below = any(isinstance(outcome, CreditBalance) and outcome.is_below(floor_usd) for outcome in outcomes)
    return ExitCode.BELOW if below or any(short or ()) else ExitCode.OK


def run_check(command: CheckCommand, hooks: ReadHooks | None = None, now: datetime | None = None) -> ExitCode:
    """Compare every account with the floor (and the runway); see :func:`check_exit_code` for the exit code."""
    ids, floor = command.read.account_ids, command.floor_usd
    outcomes = read_all(command.read, hooks)
    runways = _runways(command, outcomes, hooks, now or datetime.now(UTC))
    minimum = command.min_runway_days
    short = [_short(runway, minimum) for runway in runways]
    rows = list(zip(ids, outcomes, runways, strict=True))
    if command.read.as_json:
        print(
            to_json(
                [check_to_dict(account_id, outcome, floor, runway, minimum) for account_id, outcome, runway in rows]
            )
        )
    else:
        print(
            "\n".join(check_line(account_id, outcome, floor, runway, minimum) for account_id, outcome, runway in rows)
        )
    _report_failures(outcomes, "the floor cannot be vouched for (exit 3). See each error for what to do.")
    _report_below(outcomes, floor)
    return check_exit_code(outcomes, floor, short)


def _runways(
    command: CheckCommand, outcomes: list[AccountResult], hooks: ReadHooks | None, now: datetime
) -> list[Runway | None]:
    """With ``--min-runway-days``, each readable account's measured runway; an unreadable usage replaces its outcome."""
    if command.min_runway_days is None:
        return [None] * len(outcomes)
    start, end = runway_window(now)
    usages = read_usage_all(command.read, "day", start, end, hooks)
    runways: list[Runway | None] = []
    for index, (outcome, usage) in enumerate(zip(outcomes, usages, strict=True)):
        if isinstance(outcome, CreditBalance) and isinstance(usage, UsageHistory):
            runways.append(measure_runway(outcome.balance_usd, command.floor_usd, usage, now))
            continue
        if isinstance(outcome, CreditBalance) and not isinstance(usage, UsageHistory):
            outcomes[index] = usage
        runways.append(None)
    return runways


def _short(runway: Runway | None, minimum: Decimal | None) -> bool:
    days = None if runway is None else runway.days_until_floor
    return minimum is not None and days is not None and days < minimum


def _report_below(outcomes: Sequence[AccountResult], floor_usd: Decimal) -> None:
    below = sum(isinstance(outcome, CreditBalance) and outcome.is_below(floor_usd) for outcome in outcomes)
    if below:
        summary = f"{below} of {len(outcomes)} accounts are below the floor of {format_usd(floor_usd)}"
        print(f"cf-billing: {summary}: top up, or turn on auto top-up, in the dashboard.", file=sys.stderr)
