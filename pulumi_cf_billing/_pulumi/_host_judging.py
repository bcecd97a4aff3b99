"""Judging inside Pulumi's provider host, for what the program did not judge (``pulumi refresh``, unknown inputs).

A program's :class:`~._guard.CreditBalanceGuard` judges in the program and hands ``check()`` its
verdict (see :func:`._program_judging.verdict_for_guard`); this module serves the rest, and loads only when
it is needed, so a plain preview or up never imports the judging into the provider host:

- a check whose verdict is not known yet (a preview with an unknown input): known inputs are still
  parsed, and a wrong one fails now; otherwise the check waits for the values;
- a check without any verdict (inputs written by hand or by another program): judged here, with a read of our own;
- ``read()`` (``pulumi refresh``): reads the account again and judges it.

Credentials come at call time from the stack config handed to ``configure()`` (``lookup``) or the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult
from pulumi.output import Unknown

from .._assess import Reading, Rules, read_for
from .._guard_definition import GUARD_SUBJECT, OUTPUT_KEYS
from .._guard_judging import guard_outputs, judge_guard, parse_guard
from ._dynamic_provider import VERDICT_INPUT
from ._settings import CREDENTIALS_NAMESPACE, Lookup, settings_for

__all__ = ["Reader", "check_unjudged", "judge_reading"]

Reader = Callable[[Mapping[str, Any], Rules, datetime], Reading]
"""Reads what the rules need of the account that the inputs name (``account_id``)."""


def check_unjudged(olds: Mapping[str, Any], news: dict[str, Any], lookup: Lookup) -> CheckResult:
    """``check()`` for inputs without a known verdict: refuse the known wrong ones, wait for unknown ones, else judge.

    An unknown verdict (the program judges once its inputs are known) means the check waits for it.
    """
    parsed = parse_guard(news, is_unknown=_unknown)
    failures = [CheckFailure(problem.key, problem.reason) for problem in parsed.problems]
    if parsed.guard is None or any(_unknown(news.get(key)) for key in ("credentials_namespace", VERDICT_INPUT)):
        return CheckResult(news, failures)
    state, failure = judge_reading(news, olds, lookup)
    if failure is not None:
        return CheckResult(news, [CheckFailure("floor_usd", failure)])
    return CheckResult({**news, **state}, [])


def judge_reading(
    news: Mapping[str, Any],
    olds: Mapping[str, Any],
    lookup: Lookup,
    *,
    now: datetime | None = None,
    read: Reader | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Judge the guard ``news`` describe, reading with ``read`` (default: a read of our own), at ``now``.

    Returns the state to record and the failure text, if the deploy must stop. Inputs that cannot be
    parsed (a refresh of a state written by hand, an import) are a failure to judge and go through
    ``on_error`` like a failure to read. State holds no baseline: runway is measured from
    Cloudflare's usage history at every check.
    """
    parsed = parse_guard(news)
    if parsed.guard is None:
        reasons = "; ".join(problem.reason for problem in parsed.problems)
        message = f"{GUARD_SUBJECT}: cannot judge these inputs: {reasons}. Declare the guard in the program and run up."
        failing = news.get("on_error", "fail") != "warn"
        return {**{key: olds.get(key) for key in OUTPUT_KEYS}, "status": "unreadable", "message": message}, (
            message if failing else None
        )
    guard = parsed.guard
    moment = now or datetime.now(UTC)
    reader = read or _reader(lookup)
    verdict = judge_guard(guard, lambda: reader(news, guard.rules, moment), moment, GUARD_SUBJECT)
    return guard_outputs(verdict, olds), (verdict.message if verdict.stops_deploy else None)


def _reader(lookup: Lookup) -> Reader:
    """A read of our own, with the credentials of ``credentials_namespace`` (stack config, then environment)."""

    def read(news: Mapping[str, Any], rules: Rules, now: datetime) -> Reading:
        from .._client import BillingClient  # noqa: PLC0415  # only a read of our own needs the client

        settings = settings_for(lookup, namespace=news.get("credentials_namespace") or CREDENTIALS_NAMESPACE)
        with BillingClient(credentials=settings.credentials, base_url=settings.base_url) as client:
            return read_for(client, str(news["account_id"]), rules, now)

    return read


def _unknown(value: Any) -> bool:
    """Whether an input is not known yet (preview): the provider host hands such values over as ``Unknown``."""
    return isinstance(value, Unknown)
