"""``cf-billing usage``: a chart of each account's usage cost, its total and daily mean, and the runway.

Money is in US dollars, as Cloudflare's usage history reports it. Everything covers the last
``--days`` complete UTC days (24 hourly buckets a day with ``--window hour``); the running day is
left out. With ``--floor-usd`` the balance is read too, for the days until that floor.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .._models import CreditBalance, UsageHistory
from .._money import format_usd
from .._serialize import usage_history_to_dict
from .._verdict import Runway, measure_runway, runway_window
from ._args import UsageCommand
from ._chart import bar_chart
from ._exit_codes import ExitCode
from ._fetch import AccountReads, ReadHooks, ReadPlan, UsageRange, read_accounts
from ._render import failed_to_dict, failure_summary, to_json

__all__ = ["run_usage"]


def run_usage(command: UsageCommand, hooks: ReadHooks | None = None, now: datetime | None = None) -> ExitCode:
    """Print each account's usage; 0 when every account was read, 3 when any could not be."""
    moment = now or datetime.now(UTC)
    span = UsageRange(command.window, *runway_window(moment, command.days))
    accounts = read_accounts(command.read, ReadPlan(balance=command.floor_usd is not None, usage=span), hooks)
    reports = [_report(reads, command, span, moment) for reads in accounts]
    if command.read.as_json:
        print(to_json([report for report, _ in reports]))
    else:
        print("\n\n".join(text for _, text in reports))
    failed = sum(1 for reads in accounts if reads.failures)
    if failed:
        print(f"cf-billing: {failed} of {len(reports)} accounts could not be read.", file=sys.stderr)
    return ExitCode.UNREADABLE if failed else ExitCode.OK


def _report(reads: AccountReads, command: UsageCommand, span: UsageRange, now: datetime) -> tuple[dict[str, Any], str]:
    """One account's JSON object and text block."""
    history, balance = reads.usage, reads.balance
    if reads.failures or not isinstance(history, UsageHistory):
        return failed_to_dict(reads), f"{reads.account_id}  {failure_summary(reads)}"
    usage = UsageHistory(
        history.account_id, tuple(b for b in history.buckets if span.start <= b.start and b.end <= span.end)
    )
    floor = command.floor_usd if isinstance(balance, CreditBalance) else None
    runway = measure_runway(
        balance.balance_usd if isinstance(balance, CreditBalance) else Decimal(0), floor or Decimal(0), usage, now,
        command.days,
    )  # fmt: skip
    data = {
        **usage_history_to_dict(usage, exact=True),
        "window": command.window,
        "spend_usd_per_day": runway.spend_usd_per_day,
        **({} if floor is None else {"floor_usd": floor, "days_until_floor": runway.days_until_floor}),
    }
    return data, _text(reads.account_id, usage, command, runway, floor)


def _text(account_id: str, usage: UsageHistory, command: UsageCommand, runway: Runway, floor: Decimal | None) -> str:
    unicode = (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
    width = shutil.get_terminal_size((100, 24)).columns
    lines = [f"{account_id}  AI Gateway usage per {command.window}, US dollars"]
    lines += bar_chart(usage.buckets, command.window, width, unicode=unicode)
    mean = format_usd(runway.spend_usd_per_day.quantize(Decimal("0.01")))
    days = f"{command.days} complete day{'' if command.days == 1 else 's'}"
    lines.append(f"total {format_usd(usage.total_usd)}; mean {mean} a day over the last {days}")
    if floor is not None:
        until = runway.days_until_floor
        pace = "no spend measured, so no date" if until is None else f"{until:.1f} days at that pace"
        lines.append(f"floor {format_usd(floor)}: {pace}")
    return "\n".join(lines)
