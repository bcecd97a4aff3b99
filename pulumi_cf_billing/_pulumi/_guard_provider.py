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
from typing import Any

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

from .._client import CreditBalanceClient
from .._config import validate_account_id
from .._exceptions import CloudflareBillingError
from .._models import CreditBalance
from .._money import format_usd, parse_usd
from .._protocol import parse_response
from .._serialize import credit_balance_to_dict, json_number
from .._text import clean
from .._verdict import Runway, breach_message, judge, measure_runway
from ._settings import CREDENTIALS_NAMESPACE, settings_for

__all__ = ["INPUT_KEYS", "OUTPUT_KEYS", "CreditBalanceGuardProvider"]

SUBJECT = "CreditBalanceGuard"
MODES = ("fail", "warn")
INPUT_KEYS = (
    "account_id",
    "floor_usd",
    "require_auto_topup",
    "min_runway_days",
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
OBSERVED_INPUT = "observed"  # the program's reading, {"result": <JSON text>} or {"error": ...}; see _program.py
RUNWAY_KEYS = ("changed_at", "baseline_balance_usd", "baseline_at", "spend_usd_per_day", "days_until_floor")
RECOMPUTED_KEYS = ("spend_usd_per_day", "days_until_floor")
"""Recomputed from the baseline at every check, so they move with time alone: not a reason for a diff."""
OUTPUT_KEYS = (*OBSERVED_KEYS, *RUNWAY_KEYS, "status", "message")

# The stack config from configure(), kept in the host process only: never on the pickled provider.
_stack_config: dict[str, ConfigureRequest] = {}


class CreditBalanceGuardProvider(ResourceProvider):
    """Reads the balance in ``check()`` and fails there when it is below the floor."""

    serialize_as_secret_always = False  # it holds nothing, so state can show it in the clear

    def configure(self, req: ConfigureRequest) -> None:
        _stack_config["request"] = req

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = _validate(news)
        if failures or any(_unknown(news.get(key)) for key in (*INPUT_KEYS, OBSERVED_INPUT)):
            return CheckResult(news, failures)
        state, failure = judge_reading(news, _olds)
        if failure is not None:
            return CheckResult(news, [CheckFailure("floor_usd", failure)])
        return CheckResult({**news, **state}, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        compared = [key for key in (*INPUT_KEYS, *OUTPUT_KEYS) if key not in RECOMPUTED_KEYS]
        changed = [key for key in compared if not _same(_olds.get(key), _news.get(key))]
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


def _validate(news: Mapping[str, Any]) -> list[CheckFailure]:
    failures: list[CheckFailure] = []
    checks: dict[str, Callable[[Any], object]] = {
        "account_id": lambda value: validate_account_id(value if value is None else str(value)),
        "floor_usd": lambda value: parse_usd(value, what="floor_usd"),
        "min_runway_days": lambda value: value is None or _parse_days(value),
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


def judge_reading(
    news: Mapping[str, Any], olds: Mapping[str, Any], now: datetime | None = None
) -> tuple[dict[str, Any], str | None]:
    """Read the balance and judge it at ``now`` (default: the current UTC time).

    Returns the state to record and the failure text, if the deploy must stop. Every failure to
    read, whatever its cause, goes through ``on_error``.
    """
    floor_usd = parse_usd(news["floor_usd"])
    try:
        balance = _read(news)
    except CloudflareBillingError as error:
        message = f"{SUBJECT}: could not read the AI Gateway balance of account {news['account_id']}: {error.message}"
        carried = {key: olds.get(key) for key in (*OBSERVED_KEYS, *RUNWAY_KEYS)}
        state = {**carried, "status": "unreadable", "message": message}
        return state, (message if news.get("on_error", "fail") == "fail" else None)
    state = _observation(balance, floor_usd, olds, now or datetime.now(UTC))
    problems = judge(
        balance,
        floor_usd,
        require_auto_topup=bool(news.get("require_auto_topup")),
        min_runway_days=None if news.get("min_runway_days") is None else _parse_days(news["min_runway_days"]),
        runway=_runway_of(state),
    )
    if not problems:
        message = f"balance {format_usd(balance.balance_usd)} is at or above the floor {format_usd(floor_usd)}"
        return {**state, "status": "ok", "message": message}, None
    message = breach_message(SUBJECT, balance, floor_usd, problems)
    failure = message if news.get("on_breach", "fail") == "fail" else None
    return {**state, "status": "breach", "message": message}, failure


def _read(news: Mapping[str, Any]) -> CreditBalance:
    observed = news.get(OBSERVED_INPUT)
    if isinstance(observed, Mapping):
        return _from_program(observed, validate_account_id(str(news["account_id"])))
    settings = settings_for(_lookup, namespace=news.get("credentials_namespace") or CREDENTIALS_NAMESPACE)
    with CreditBalanceClient(credentials=settings.credentials, base_url=settings.base_url) as client:
        return client.get(news["account_id"])


def _from_program(observed: Mapping[str, Any], account_id: str) -> CreditBalance:
    """The program's reading (JSON text of Cloudflare's result), parsed by the protocol's own parser, or its error."""
    result, error = observed.get("result"), observed.get("error")
    if not isinstance(result, str):
        reason = error if isinstance(error, str) else "the program handed the guard no reading of it"
        raise CloudflareBillingError(clean(reason), account_id=account_id)
    body = b'{"success":true,"result":' + result.encode() + b"}"
    return parse_response(200, {}, body, account_id)


def _lookup(key: str) -> str | None:
    request = _stack_config.get("request")
    value = request.config.get(key) if request is not None else None
    return value if isinstance(value, str) else None


def _observation(balance: CreditBalance, floor_usd: Decimal, olds: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The observed fields plus runway, recomputed from the baseline at every check.

    ``changed_at`` is when the observed fields last changed: kept while they are unchanged.
    """
    observed = {key: value for key, value in credit_balance_to_dict(balance).items() if key in OBSERVED_KEYS}
    unchanged = all(_same(olds.get(key), observed[key]) for key in OBSERVED_KEYS) and olds.get("changed_at")
    changed_at = str(olds["changed_at"]) if unchanged else now.isoformat(timespec="seconds")
    previous = olds.get("balance_usd")
    if previous is None or olds.get("baseline_at") is None or balance.balance_usd > Decimal(str(previous)):
        # First sight, or the balance rose: a top-up. Start a new baseline.
        return {**observed, **_runway_state(changed_at, balance.balance_usd, now, Runway())}
    baseline_at = datetime.fromisoformat(olds["baseline_at"])
    days = Decimal((now - baseline_at).total_seconds()) / Decimal(86400)
    baseline_usd = Decimal(str(olds["baseline_balance_usd"]))
    runway = measure_runway(balance.balance_usd, floor_usd, baseline_usd, days)
    return {**observed, **_runway_state(changed_at, baseline_usd, baseline_at, runway)}


def _runway_state(changed_at: str, baseline_usd: Decimal, baseline_at: datetime, runway: Runway) -> dict[str, Any]:
    return {
        "changed_at": changed_at,
        "baseline_balance_usd": json_number(baseline_usd),
        "baseline_at": baseline_at.isoformat(timespec="seconds"),
        "spend_usd_per_day": _rounded(runway.spend_usd_per_day),
        "days_until_floor": _rounded(runway.days_until_floor),
    }


def _rounded(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 4))


def _runway_of(state: Mapping[str, Any]) -> Runway:
    days = state.get("days_until_floor")
    return Runway(days_until_floor=None if days is None else Decimal(str(days)))
