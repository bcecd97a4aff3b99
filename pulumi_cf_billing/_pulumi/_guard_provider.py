"""The dynamic provider behind :class:`CreditBalanceGuard`. It runs in Pulumi's provider host process.

All judging happens in ``check()``: it is the one place where a failure reaches the user as one
clean line instead of a Python traceback, and it runs in both ``pulumi preview`` and ``pulumi up``.
``check()`` judges the live balance the program read for it (the ``observed`` input, so one run asks
Cloudflare once per account; without it, ``check()`` reads the balance itself) and returns the
user's inputs plus the observation; ``diff()`` compares them with state, so an unchanged balance
shows no diff; ``create()``/``update()`` only record; ``read()`` (``pulumi refresh``) reads the
balance again; ``delete()`` makes no API call.

The provider object holds nothing: it is pickled into state by reference to this module, so no
credential can be inside it and upgrading this package does not change it. When it reads itself,
credentials come at call time from the stack config handed to ``configure()`` or the environment.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from .._assess import Reading, Rules, read_for
from .._exceptions import CloudflareBillingError
from .._guard_definition import GUARD_INPUTS, GUARD_SUBJECT, OUTPUT_KEYS, Guard, guard_outputs, judge_guard, parse_guard
from .._protocol import parse_response
from .._results import ResultReader, read_credit_balance, read_spending_limit, read_usage_history
from .._text import clean
from ._settings import CREDENTIALS_NAMESPACE, settings_for

__all__ = ["INPUT_KEYS", "OUTPUT_KEYS", "CreditBalanceGuardProvider", "Reader", "judge_reading"]

T = TypeVar("T")
INPUT_KEYS = (*(item.name for item in GUARD_INPUTS), "credentials_namespace")
OBSERVED_INPUT = "observed"  # the program's reading: {"result": <JSON text>, ...} or {"error": ...}; see _program.py

# The stack config from configure(), kept in the host process only: never on the pickled provider.
_stack_config: dict[str, ConfigureRequest] = {}


class CreditBalanceGuardProvider(ResourceProvider):
    """Reads the balance in ``check()`` and fails there when it is below the floor."""

    serialize_as_secret_always = False  # it holds nothing, so state can show it in the clear

    def configure(self, req: ConfigureRequest) -> None:
        _stack_config["request"] = req

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        parsed = parse_guard(news, is_unknown=_unknown)
        failures = [CheckFailure(problem.key, problem.reason) for problem in parsed.problems]
        if parsed.guard is None or any(_unknown(news.get(key)) for key in ("credentials_namespace", OBSERVED_INPUT)):
            return CheckResult(news, failures)
        state, failure = _judge(parsed.guard, news, _olds)
        if failure is not None:
            return CheckResult(news, [CheckFailure("floor_usd", failure)])
        return CheckResult({**news, **state}, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        changed = [key for key in (*INPUT_KEYS, *OUTPUT_KEYS) if not _same(_olds.get(key), _news.get(key))]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"credit-guard-{uuid.uuid4().hex[:12]}", _record(props))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_record(_news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state, _ = judge_reading(props, props)
        refreshed = _record({**props, **state})
        return ReadResult(id_, refreshed, refreshed)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete at Cloudflare: a guard only reads."""


def _same(old: Any, new: Any) -> bool:
    """Equal as Pulumi stores them: the engine drops null members of maps, so ``{"a": None}`` equals ``{}``."""
    return bool(_without_nulls(old) == _without_nulls(new))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return value


def _unknown(value: Any) -> bool:
    """Whether an input is not known yet (preview): the provider host hands such values over as ``Unknown``."""
    return isinstance(value, Unknown)


def _record(props: Mapping[str, Any]) -> dict[str, Any]:
    return {key: props.get(key) for key in (*INPUT_KEYS, *OUTPUT_KEYS)}


Reader = Callable[[Mapping[str, Any], Rules, datetime], Reading]
"""Reads what the rules need of the account that the inputs name (``account_id``)."""


def judge_reading(
    news: Mapping[str, Any], olds: Mapping[str, Any], now: datetime | None = None, read: Reader | None = None
) -> tuple[dict[str, Any], str | None]:
    """Judge the guard ``news`` describe, reading with ``read`` (default: this provider's reading), at ``now``.

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
    return _judge(parsed.guard, news, olds, now, read)


def _judge(
    guard: Guard,
    news: Mapping[str, Any],
    olds: Mapping[str, Any],
    now: datetime | None = None,
    read: Reader | None = None,
) -> tuple[dict[str, Any], str | None]:
    moment = now or datetime.now(UTC)
    verdict = judge_guard(guard, lambda: (read or _read)(news, guard.rules, moment), moment, GUARD_SUBJECT)
    return guard_outputs(verdict, olds), (verdict.message if verdict.stops_deploy else None)


def _read(news: Mapping[str, Any], rules: Rules, now: datetime) -> Reading:
    """The program's reading when it made one, else a read of our own (``pulumi refresh``)."""
    account = str(news["account_id"])
    observed = news.get(OBSERVED_INPUT)
    if isinstance(observed, Mapping):
        return _from_program(observed, account, want_usage=rules.needs_usage, want_limit=rules.require_spending_limit)
    from .._client import BillingClient  # noqa: PLC0415  # only refresh reads here: preview and up judge the program's

    settings = settings_for(_lookup, namespace=news.get("credentials_namespace") or CREDENTIALS_NAMESPACE)
    with BillingClient(credentials=settings.credentials, base_url=settings.base_url) as client:
        return read_for(client, account, rules, now)


def _from_program(observed: Mapping[str, Any], account_id: str, *, want_usage: bool, want_limit: bool) -> Reading:
    """The program's reading (JSON text of Cloudflare's results), parsed by the protocol's own readers, or its error."""
    error = observed.get("error")
    texts = {name: observed.get(name) for name in ("result", "usage", "spending_limit")}
    wanted = ("result", *(["usage"] if want_usage else []), *(["spending_limit"] if want_limit else []))
    if any(not isinstance(texts[name], str) for name in wanted):
        reason = error if isinstance(error, str) else "the program handed the guard no reading of it"
        raise CloudflareBillingError(clean(reason), account_id=account_id)

    def parsed(name: str, read: ResultReader[T]) -> T:
        body = b'{"success":true,"result":' + str(texts[name]).encode() + b"}"
        return parse_response(200, {}, body, account_id, read=read)

    return Reading(
        parsed("result", read_credit_balance),
        parsed("usage", read_usage_history) if want_usage else None,
        parsed("spending_limit", read_spending_limit) if want_limit else None,
    )


def _lookup(key: str) -> str | None:
    request = _stack_config.get("request")
    value = request.config.get(key) if request is not None else None
    return value if isinstance(value, str) else None
