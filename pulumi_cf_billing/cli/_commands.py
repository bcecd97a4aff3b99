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
from .._verdict import Runway, measure_runway, runway_window
from ._args import BalanceCommand, CheckCommand
from ._exit_codes import ExitCode
from ._fetch import AccountReads, ReadHooks, ReadPlan, UsageRange, read_accounts
from ._render import balance_table, balance_to_dict, check_line, check_to_dict, to_json

__all__ = ["check_exit_code", "run_balance", "run_check"]


def _report_failures(failed: int, total: int, consequence: str) -> None:
    if failed:
        print(f"cf-billing: {failed} of {total} accounts could not be read: {consequence}", file=sys.stderr)


def run_balance(command: BalanceCommand, hooks: ReadHooks | None = None) -> ExitCode:
    """Print every account's balance; 0 when all were read, 3 when any could not be."""
    accounts = read_accounts(command.read, ReadPlan(), hooks)
    if command.read.as_json:
        print(to_json([balance_to_dict(reads) for reads in accounts]))
    else:
        print(balance_table(accounts))
    failed = sum(1 for reads in accounts if reads.failures)
    _report_failures(failed, len(accounts), "see each error for what to do, then run again.")
    return ExitCode.UNREADABLE if failed else ExitCode.OK


def check_exit_code(accounts: Sequence[AccountReads], floor_usd: Decimal, short: Sequence[bool] = ()) -> ExitCode:
    """3 when any account is unreadable (it wins), 1 when any is below the floor or its runway short, else 0."""
    if any(reads.failures for reads in accounts):
        return ExitCode.UNREADABLE
    below = any(isinstance(reads.balance, CreditBalance) and reads.balance.is_below(floor_usd) for reads in accounts)
    return ExitCode.BELOW if below or any(short) else ExitCode.OK


def run_check(command: CheckCommand, hooks: ReadHooks | None = None, now: datetime | None = None) -> ExitCode:
    """Compare every account with the floor (and the runway); see :func:`check_exit_code` for the exit code."""
    moment = now or datetime.now(UTC)
    floor, minimum = command.floor_usd, command.min_runway_days
    usage = None if minimum is None else UsageRange("day", *runway_window(moment))
    accounts = read_accounts(command.read, ReadPlan(usage=usage), hooks)
    runways = [_runway(reads, floor, moment) for reads in accounts]
    rows = list(zip(accounts, runways, strict=True))
    if command.read.as_json:
        print(to_json([check_to_dict(reads, floor, runway, minimum) for reads, runway in rows]))
    else:
        print("\n".join(check_line(reads, floor, runway, minimum) for reads, runway in rows))
    failed = sum(1 for reads in accounts if reads.failures)
    _report_failures(failed, len(accounts), "the floor cannot be vouched for (exit 3). See each error for what to do.")
    _report_below(accounts, floor)
    return check_exit_code(accounts, floor, [_short(runway, minimum) for runway in runways])


def _runway(reads: AccountReads, floor_usd: Decimal, now: datetime) -> Runway | None:
    """The measured runway when both the balance and the usage history were read, else ``None``."""
    if isinstance(reads.balance, CreditBalance) and isinstance(reads.usage, UsageHistory):
        return measure_runway(reads.balance.balance_usd, floor_usd, reads.usage, now)
    return None


def _short(runway: Runway | None, minimum: Decimal | None) -> bool:
    days = None if runway is None else runway.days_until_floor
    return minimum is not None and days is not None and days < minimum


def _report_below(accounts: Sequence[AccountReads], floor_usd: Decimal) -> None:
    below = sum(
        not reads.failures and isinstance(reads.balance, CreditBalance) and reads.balance.is_below(floor_usd)
        for reads in accounts
    )
    if below:
        summary = f"{below} of {len(accounts)} accounts are below the floor of {format_usd(floor_usd)}"
        print(f"cf-billing: {summary}: top up, or turn on auto top-up, in the dashboard.", file=sys.stderr)
