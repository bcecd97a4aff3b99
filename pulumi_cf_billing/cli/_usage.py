"""``cf-billing usage``: a chart of each account's usage cost, its total and daily mean, and the runway.

Money is in US dollars, as Cloudflare's usage history reports it. The daily mean counts complete UTC
days only; with ``--floor-usd`` the balance is read too, for the days until that floor.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from .._exceptions import CloudflareBillingError
from .._models import CreditBalance, UsageHistory
from .._money import format_usd
from .._serialize import error_to_dict, json_number, usage_history_to_dict
from .._verdict import Runway, measure_runway
from ._args import UsageCommand
from ._chart import bar_chart
from ._exit_codes import ExitCode
from ._fetch import AccountResult, ReadHooks, UsageResult, read_all, read_usage_all
from ._render import error_summary, to_json

__all__ = ["run_usage"]


def run_usage(command: UsageCommand, hooks: ReadHooks | None = None, now: datetime | None = None) -> ExitCode:
    """Print each account's usage; 0 when every account was read, 3 when any could not be."""
    moment = now or datetime.now(UTC)
    today = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    usages = read_usage_all(command.read, command.window, today - timedelta(days=command.days), moment, hooks)
    balances: list[AccountResult | None] = [None] * len(usages)
    if command.floor_usd is not None:
        balances = list(read_all(command.read, hooks))
    reports = [
        _report(account_id, usage, balance, command, moment)
        for account_id, usage, balance in zip(command.read.account_ids, usages, balances, strict=True)
    ]
    if command.read.as_json:
        print(to_json([report for report, _ in reports]))
    else:
        print("\n\n".join(text for _, text in reports))
    failed = sum(1 for report, _ in reports if "error" in report)
    if failed:
        print(f"cf-billing: {failed} of {len(reports)} accounts could not be read.", file=sys.stderr)
    return ExitCode.UNREADABLE if failed else ExitCode.OK


def _report(
    account_id: str,
    usage: UsageResult,
    balance: AccountResult | None,
    command: UsageCommand,
    now: datetime,
) -> tuple[dict[str, Any], str]:
    """One account's JSON object and text block."""
    if isinstance(balance, CloudflareBillingError):
        return _failed(account_id, balance)
    if not isinstance(usage, UsageHistory):
        return _failed(account_id, usage)
    floor = command.floor_usd if isinstance(balance, CreditBalance) else None
    runway = measure_runway(
        balance.balance_usd if isinstance(balance, CreditBalance) else Decimal(0), floor or Decimal(0), usage, now,
        command.days,
    )  # fmt: skip
    data = {
        **usage_history_to_dict(usage),
        "window": command.window,
        "spend_usd_per_day": json_number(runway.spend_usd_per_day),
        **({} if floor is None else _runway_fields(runway, floor)),
    }
    return data, _text(account_id, usage, command, runway, floor)


def _failed(account_id: str, error: CloudflareBillingError) -> tuple[dict[str, Any], str]:
    return {"account_id": account_id, "error": error_to_dict(error)}, f"{account_id}  {error_summary(error)}"


def _runway_fields(runway: Runway, floor: Decimal) -> dict[str, Any]:
    days = runway.days_until_floor
    return {"floor_usd": json_number(floor), "days_until_floor": None if days is None else json_number(days)}


def _text(account_id: str, usage: UsageHistory, command: UsageCommand, runway: Runway, floor: Decimal | None) -> str:
    unicode = (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
    width = shutil.get_terminal_size((100, 24)).columns
    lines = [f"{account_id}  AI Gateway usage per {command.window}, US dollars"]
    lines += bar_chart(usage.buckets, command.window, width, unicode=unicode)
    mean = format_usd(runway.spend_usd_per_day.quantize(Decimal("0.01")))
    lines.append(f"total {format_usd(usage.total_usd)}; mean {mean} a day over the last {command.days} complete days")
    if floor is not None:
        days = runway.days_until_floor
        until = "no spend measured, so no date" if days is None else f"{days:.1f} days at that pace"
        lines.append(f"floor {format_usd(floor)}: {until}")
    return "\n".join(lines)
