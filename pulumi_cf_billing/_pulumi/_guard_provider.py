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
from decimal import Decimal
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

from .._assess import Reading, Rules, assess, read_for
from .._client import CreditBalanceClient
from .._config import validate_account_id
from .._exceptions import CloudflareBillingError
from .._money import format_usd, parse_usd
from .._protocol import parse_response
from .._results import ResultReader, read_credit_balance, read_spending_limit, read_usage_history
from .._serialize import credit_balance_to_dict, spending_limit_to_dict
from .._text import clean
from .._verdict import DEFAULT_RUNWAY_WINDOW_DAYS, Runway, breach_message
from ._settings import CREDENTIALS_NAMESPACE, settings_for

__all__ = ["INPUT_KEYS", "OUTPUT_KEYS", "CreditBalanceGuardProvider", "Reader", "judge_reading", "validate_inputs"]

T = TypeVar("T")
SUBJECT = "CreditBalanceGuard"
MODES = ("fail", "warn")
INPUT_KEYS = (
    "account_id",
    "floor_usd",
    "require_auto_topup",
    "min_runway_days",
    "runway_window_days",
    "require_spending_limit",
    "on_breach",
    "on_error",
    "credentials_namespace",
)
OBSERVED_KEYS = (
    "balance",
    "balance_usd",
    "has_default_payment_method",
    "payment_method",
    "topup_config",
    "first_topup_success",
)
OBSERVED_INPUT = "observed"  # the program's reading: {"result": <JSON text>, ...} or {"error": ...}; see _program.py
RUNWAY_KEYS = ("spend_usd_per_day", "days_until_floor", "spending_limit")
OUTPUT_KEYS = (*OBSERVED_KEYS, *RUNWAY_KEYS, "status", "message")
MAX_RUNWAY_WINDOW_DAYS = 90

# The stack config from configure(), kept in the host process only: never on the pickled provider.
_stack_config: dict[str, ConfigureRequest] = {}


class CreditBalanceGuardProvider(ResourceProvider):
    """Reads the balance in ``check()`` and fails there when it is below the floor."""

    serialize_as_secret_always = False  # it holds nothing, so state can show it in the clear

    def configure(self, req: ConfigureRequest) -> None:
        _stack_config["request"] = req

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = validate_inputs(news)
        if failures or any(_unknown(news.get(key)) for key in (*INPUT_KEYS, OBSERVED_INPUT)):
            return CheckResult(news, failures)
        state, failure = judge_reading(news, _olds)
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


def _parse_days(value: object) -> Decimal:
    """``min_runway_days`` as an exact, non-negative number of days."""
    try:
        return parse_usd(value, what="min_runway_days")
    except ValueError:
        message = f"min_runway_days must be a non-negative number of days, like 7 or 2.5; got {value!r}"
        raise ValueError(message) from None


def _record(props: Mapping[str, Any]) -> dict[str, Any]:
    return {key: props.get(key) for key in (*INPUT_KEYS, *OUTPUT_KEYS)}


def validate_inputs(news: Mapping[str, Any]) -> list[CheckFailure]:
    """What is wrong with the guard's inputs, by property, before any request."""
    failures: list[CheckFailure] = []
    checks: dict[str, Callable[[Any], object]] = {
        "account_id": lambda value: validate_account_id(value if value is None else str(value)),
        "floor_usd": lambda value: parse_usd(value, what="floor_usd"),
        "min_runway_days": lambda value: value is None or _parse_days(value),
        "runway_window_days": lambda value: value is None or _window_days(value),
    }
    for key, check in checks.items():
        if _unknown(news.get(key)):
            continue
        try:
            check(news.get(key))
        except (CloudflareBillingError, ValueError) as error:
            failures.append(CheckFailure(key, str(error)))
    for key in ("on_breach", "on_error"):
        if not _unknown(news.get(key)) and news.get(key, "fail") not in MODES:
            failures.append(CheckFailure(key, f"{key} must be 'fail' or 'warn', not {news.get(key)!r}"))
    return failures


Reader = Callable[[Mapping[str, Any], Rules, datetime], Reading]
"""Reads what the rules need of the account that the inputs name (``account_id``)."""


def judge_reading(
    news: Mapping[str, Any], olds: Mapping[str, Any], now: datetime | None = None, read: Reader | None = None
) -> tuple[dict[str, Any], str | None]:
    """Read the account (with ``read``, default: this provider's reading) and judge it at ``now`` (default: now, UTC).

    Returns the state to record and the failure text, if the deploy must stop. Every failure to
    read, whatever its cause, goes through ``on_error``. State holds no baseline: runway is measured
    from Cloudflare's usage history at every check. The ``cf-billing`` provider plugin judges here too.
    """
    rules = Rules(
        floor_usd=parse_usd(news["floor_usd"]),
        require_auto_topup=bool(news.get("require_auto_topup")),
        min_runway_days=None if news.get("min_runway_days") is None else _parse_days(news["min_runway_days"]),
        runway_window_days=_window_days(news.get("runway_window_days")),
        require_spending_limit=bool(news.get("require_spending_limit")),
    )
    moment = now or datetime.now(UTC)
    try:
        reading = (read or _read)(news, rules, moment)
    except CloudflareBillingError as error:
        message = f"{SUBJECT}: could not read the AI Gateway balance of account {news['account_id']}: {error.message}"
        carried = {key: olds.get(key) for key in (*OBSERVED_KEYS, *RUNWAY_KEYS)}
        state = {**carried, "status": "unreadable", "message": message}
        return state, (message if news.get("on_error", "fail") == "fail" else None)
    runway, problems = assess(reading, rules, moment)
    state = _observation(reading, runway)
    balance, floor_usd = reading.balance, rules.floor_usd
    if not problems:
        message = f"balance {format_usd(balance.balance_usd)} is at or above the floor {format_usd(floor_usd)}"
        return {**state, "status": "ok", "message": message}, None
    message = breach_message(SUBJECT, balance, floor_usd, problems)
    failure = message if news.get("on_breach", "fail") == "fail" else None
    return {**state, "status": "breach", "message": message}, failure


def _read(news: Mapping[str, Any], rules: Rules, now: datetime) -> Reading:
    """The program's reading when it made one, else a read of our own (``pulumi refresh``)."""
    account = validate_account_id(str(news["account_id"]))
    observed = news.get(OBSERVED_INPUT)
    if isinstance(observed, Mapping):
        return _from_program(observed, account, want_usage=rules.needs_usage, want_limit=rules.require_spending_limit)
    settings = settings_for(_lookup, namespace=news.get("credentials_namespace") or CREDENTIALS_NAMESPACE)
    with CreditBalanceClient(credentials=settings.credentials, base_url=settings.base_url) as client:
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


def _observation(reading: Reading, runway: Runway | None) -> dict[str, Any]:
    """The fields to record: the balance's, the measured runway, the spending limit (nothing the next run needs)."""
    observed = {key: value for key, value in credit_balance_to_dict(reading.balance).items() if key in OBSERVED_KEYS}
    limit = reading.spending_limit
    return {
        **observed,
        "spend_usd_per_day": None if runway is None else _rounded(runway.spend_usd_per_day),
        "days_until_floor": None if runway is None else _rounded(runway.days_until_floor),
        "spending_limit": None if limit is None else spending_limit_to_dict(limit),
    }


def _rounded(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 4))


def _window_days(value: object) -> int:
    """``runway_window_days`` as whole days from 1 to 90 (default 7)."""
    if value is None:
        return DEFAULT_RUNWAY_WINDOW_DAYS
    days = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, float) and value.is_integer():
        days = int(value)
    if days is None or not 1 <= days <= MAX_RUNWAY_WINDOW_DAYS:
        message = f"runway_window_days must be a whole number of days from 1 to {MAX_RUNWAY_WINDOW_DAYS}; got {value!r}"
        raise ValueError(message)
    return days
