"""``require_credit_balance``: stop a Pulumi program early when credits are low, keeping nothing in state."""

from __future__ import annotations

from datetime import UTC, datetime

import pulumi

from .._exceptions import CloudflareBillingError
from .._inputs import parse_amount_usd
from .._models import CreditBalance
from .._verdict import breach_message, judge
from ._program import read_in_program

__all__ = ["require_credit_balance"]

SUBJECT = "require_credit_balance"


def require_credit_balance(
    floor_usd: float | str,
    account_id: str | None = None,
    *,
    require_auto_topup: bool = False,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
) -> CreditBalance:
    """Read the balance now and raise ``pulumi.RunError`` (one line, no traceback) when it is below ``floor_usd``.

    Runs in preview and in up; settings resolve as for :func:`get_credit_balance`. Returns the
    balance when the program may go on. An unreadable balance also raises ``pulumi.RunError``.
    """
    try:
        floor = parse_amount_usd(floor_usd, what="floor_usd")
        balance = read_in_program(account_id, api_token=api_token, api_key=api_key, email=email, base_url=base_url)
    except (CloudflareBillingError, ValueError) as error:
        raise pulumi.RunError(f"{SUBJECT}: {error}") from None
    problems = judge(balance, floor, now=datetime.now(UTC), require_auto_topup=require_auto_topup)
    if problems:
        raise pulumi.RunError(breach_message(SUBJECT, balance, floor, problems))
    return balance
