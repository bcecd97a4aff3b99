"""The ``balance`` command: read every account's balance, print it, pick the exit code.

Per-account results go to stdout in the order the accounts were given (a table, lines, or one JSON
array); a one-line summary of what went wrong, if anything, goes to stderr.
"""

from __future__ import annotations

import sys

from ._args import BalanceCommand
from ._exit_codes import ExitCode
from ._fetch import ReadHooks, ReadPlan, read_accounts
from ._render import balance_table, balance_to_dict, to_json

__all__ = ["run_balance"]


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
