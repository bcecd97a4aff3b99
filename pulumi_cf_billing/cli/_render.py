"""Rendering outcomes for people (a table, one line per check) and for programs (one JSON array).

Money is shown in US dollars (``$49.99``; more decimals only when the amount has them). Text that
came from the server is stripped of control characters before it reaches a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._models import CreditBalance
from .._money import format_usd
from .._serialize import credit_balance_to_dict, error_to_dict, exact_json
from .._text import clean
from .._verdict import describe_topup
from ._fetch import AccountReads

__all__ = [
    "TOP_UP_URL",
    "balance_table",
    "balance_to_dict",
    "error_summary",
    "failed_to_dict",
    "failure_summary",
    "to_json",
]

TOP_UP_URL = "https://dash.cloudflare.com/?to=/:account/ai/ai-gateway"
_HEADER = ("ACCOUNT", "BALANCE", "AUTO TOP-UP", "PAYMENT METHOD")


def error_summary(error: Exception) -> str:
    """``ErrorType: message``, safe for a terminal."""
    return clean(f"{type(error).__name__}: {error}")


def payment_summary(balance: CreditBalance) -> str:
    """``visa ••4242``, or ``none`` when the account has no payment method."""
    method = balance.payment_method
    if method is None or not (method.brand or method.last4):
        return "none"
    parts = [method.brand or "card"] + ([f"••{method.last4}"] if method.last4 else [])
    return clean(" ".join(parts))


def _row(outcome: CreditBalance) -> tuple[str, str, str, str]:
    money = format_usd(outcome.balance_usd)
    return outcome.account_id, money, describe_topup(outcome.topup_config), payment_summary(outcome)


def balance_table(accounts: Sequence[AccountReads]) -> str:
    """One row per account in order, columns under the header; a failed account's row says ``error`` and why.

    The error's type and message start in the AUTO TOP-UP column and run to the end of the line.
    """
    rows = [
        _row(reads.balance) if isinstance(reads.balance, CreditBalance)
        else (reads.account_id, "error", failure_summary(reads), "")
        for reads in accounts
    ]  # fmt: skip
    account, money = (max(len(row[column]) for row in [_HEADER, *rows]) for column in range(2))
    topup = max(len(row[2]) for row in [_HEADER, *rows] if row[1] != "error")

    def line(cells: Sequence[str]) -> str:
        return f"{cells[0]:<{account}}  {cells[1]:>{money}}  {cells[2]:<{topup}}  {cells[3]}".rstrip()

    return "\n".join(line(row) for row in [_HEADER, *rows])


def balance_to_dict(reads: AccountReads) -> dict[str, Any]:
    """``balance --json``: the balance's keys with exact amounts, or ``{"account_id", "error"}``."""
    if isinstance(reads.balance, CreditBalance):
        return credit_balance_to_dict(reads.balance, exact=True)
    return failed_to_dict(reads)


def failure_summary(reads: AccountReads) -> str:
    """The first failed read of an account and why; a read other than the balance is named.

    ``AccountNotFoundError: ...``, ``its usage history could not be read: PermissionDeniedError: ...``.
    """
    name, error = reads.failures[0]
    return error_summary(error) if name == "balance" else f"its {name} could not be read: {error_summary(error)}"


def failed_to_dict(reads: AccountReads) -> dict[str, Any]:
    """``{"account_id", "error"}`` for an account with a failed read; the error names the ``read``."""
    name, error = reads.failures[0]
    return {"account_id": reads.account_id, "error": {**error_to_dict(error), "read": name}}


def to_json(objects: Sequence[dict[str, Any]]) -> str:
    """One JSON array, indented for people, ASCII-only so any pipe can carry it; amounts exact, digit for digit."""
    return exact_json(list(objects), indent=2)
