"""The fake's usage-history and spending-limit answers: query validation and the buckets it makes up.

Usage is generated from an account's ``spend_usd_per_day`` (US dollars, the unit Cloudflare's
usage-history endpoint reports): every whole UTC day (or hour, a 24th of it) in the range costs
that much, the bucket still running costs its elapsed share, later ones nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from ._accounts import FakeAccount  # whose methods call these functions

__all__ = ["MAX_BUCKETS", "QueryProblem", "spending_limit_result", "usage_result"]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
WINDOW_MS = {"day": DAY_MS, "hour": HOUR_MS}
MAX_BUCKETS = 10_000
DEFAULT_RANGE_MS = 7 * DAY_MS
MAX_MILLIS_DIGITS = 15
"""Digits an epoch-milliseconds query value may have: today's have 13, year 33658 needs 15."""

_MILLIS = re.compile(rf"[0-9]{{1,{MAX_MILLIS_DIGITS}}}", re.ASCII)


class QueryProblem(Exception):
    """A usage-history query Cloudflare would refuse with HTTP 400; the message is the error's text."""


def _millis(query: Mapping[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    if not values:
        return None
    # ASCII digits only, and few of them: str.isdigit() accepts "²", which int() refuses, and int()
    # refuses more than 4300 digits; either would escape as a 500 rather than Cloudflare's 400.
    if not _MILLIS.fullmatch(values[0]):
        raise QueryProblem(f"{name}: Expected epoch milliseconds, 1 to {MAX_MILLIS_DIGITS} ASCII digits")
    return int(values[0])


def usage_result(account: FakeAccount, raw_query: str, now_ms: int) -> dict[str, Any]:
    """The ``result`` for ``GET .../usage-history?{raw_query}`` at ``now_ms``; raises :class:`QueryProblem`."""
    query = parse_qs(raw_query)
    window = (query.get("value_grouping_window") or [""])[0]
    if window not in WINDOW_MS:
        raise QueryProblem("value_grouping_window: Invalid enum value. Expected 'day' | 'hour'")
    size = WINDOW_MS[window]
    end = _millis(query, "end_time")
    end = now_ms if end is None else end
    start = _millis(query, "start_time")
    start = end - DEFAULT_RANGE_MS if start is None else start
    if start > end:
        raise QueryProblem("start_time must not be after end_time")
    if (end - start) // size > MAX_BUCKETS:
        raise QueryProblem(f"the range spans more than {MAX_BUCKETS} buckets")
    per_bucket = Decimal(str(account.spend_usd_per_day)) * size / DAY_MS
    history = []
    for bucket_start in range(start - start % size, end, size):
        bucket_end = bucket_start + size
        elapsed = min(max(now_ms - bucket_start, 0), size)
        history.append(
            {
                "id": f"{account.account_id[:8]}-{window}-{bucket_start}",
                "aggregated_value": per_bucket * elapsed / size,
                "start_time": bucket_start,
                "end_time": bucket_end,
            }
        )
    return {"history": history}


def spending_limit_result(account: FakeAccount) -> dict[str, Any]:
    """The ``result`` for ``GET .../spending-limit``: ``enabled`` and the cap's ``config`` (amount in US cents)."""
    limit = account.spending_limit
    if limit is None:
        return {"enabled": False, "config": None}
    return {"enabled": True, "config": dict(limit)}
