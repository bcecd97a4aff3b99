"""The verdict a program makes for its ``CreditBalanceGuard``: read what the rules need, judge, hand it over.

Loaded in the worker thread that judges (see :func:`._guard._judged`), so importing the guard costs a
program none of the read path or the judging: its first requests (the stack's registration, the start
of the provider host) reach the engine while this loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .._assess import Reading, read_for
from .._guard_definition import GUARD_SUBJECT, OBSERVED_KEYS, RUNWAY_KEYS
from .._guard_judging import guard_outputs, judge_guard, parse_guard
from ._program import run_client
from ._settings import CREDENTIALS_NAMESPACE

__all__ = ["verdict_for_guard"]


def verdict_for_guard(
    values: Mapping[str, Any], namespace: str = CREDENTIALS_NAMESPACE, now: datetime | None = None
) -> dict[str, Any]:
    """The guard's verdict, made in the program, for its provider to report (``check()`` relays it).

    ``values`` are the guard's inputs (``floor_usd``, ...), all known. Refused inputs give
    ``{"problems": [{"key": ..., "reason": ...}]}`` and no request; otherwise the account is read
    as the rules need (balance, and usage history or spending limit when a rule needs them), in the
    requests this run's other reads of the account share, and judged by the guard definition:
    ``{"outputs": <the guard's outputs>, "stops_deploy": <bool>, "carry": <outputs to keep from the
    previous state>}`` (an unreadable account keeps the previous reading's fields). Never raises for
    an unreadable account: the verdict says so, in one clean line, and ``on_error`` decides.
    """
    parsed = parse_guard(values)
    if parsed.guard is None:
        return {"problems": [{"key": problem.key, "reason": problem.reason} for problem in parsed.problems]}
    guard = parsed.guard
    moment = now or datetime.now(UTC)

    def read() -> Reading:
        with run_client(guard.account_id, namespace=namespace) as client:
            return read_for(client, guard.account_id, guard.rules, moment)

    verdict = judge_guard(guard, read, moment, GUARD_SUBJECT)
    outputs = guard_outputs(verdict, {})
    carry = [] if verdict.reading is not None else [*OBSERVED_KEYS, *RUNWAY_KEYS]
    return {"outputs": outputs, "stops_deploy": verdict.stops_deploy, "carry": carry}
