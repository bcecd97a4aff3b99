"""The one guard definition: every surface's spelling parses to the same guard, unknowns defer, judging never raises."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pulumi_cf_billing import CreditBalanceClient, CreditBalanceGuard
from pulumi_cf_billing._assess import Reading, read_for
from pulumi_cf_billing._guard_definition import GUARD_INPUTS, OUTPUT_KEYS, REQUIRED, camel
from pulumi_cf_billing._guard_judging import Guard, guard_outputs, judge_guard, parse_guard
from pulumi_cf_billing._models import CreditBalance, UsageBucket, UsageHistory
from pulumi_cf_billing.policy import CONFIG_SCHEMA
from pulumi_cf_billing.provider import SCHEMA_PATH
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, SENTINEL_TOKEN

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
UNKNOWN = object()
SNAKE = {"account_id": ACCOUNT, "floor_usd": "49.99", "require_auto_topup": True, "min_runway_days": 7}


def test_snake_and_camel_spellings_parse_to_the_same_guard() -> None:
    snake = parse_guard(SNAKE).guard
    camel_case = parse_guard({camel(key): value for key, value in SNAKE.items()}, spelling=camel).guard
    assert snake == camel_case
    assert isinstance(snake, Guard)
    assert (snake.rules.floor_usd, snake.rules.min_runway_days, snake.rules.runway_window_days) == (
        Decimal("49.99"),
        Decimal(7),
        7,
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("floorUsd", "50_0"), ("floorUsd", "\u0665\u0660"), ("requireSpendingLimit", "false"), ("minRunwayDays", "$7")],
)
def test_strict_inputs_are_problems_naming_the_surfaces_key(key: str, value: object) -> None:
    values = {"accountId": ACCOUNT, "floorUsd": 50, key: value}
    parsed = parse_guard(values, spelling=camel)
    assert parsed.guard is None
    assert [problem.key for problem in parsed.problems] == [key]
    assert parsed.problems[0].reason.startswith(f"{key} must be")


def test_an_unknown_value_defers_the_guard_but_known_problems_still_count() -> None:
    deferred = parse_guard({**SNAKE, "account_id": UNKNOWN}, is_unknown=lambda value: value is UNKNOWN)
    assert (deferred.guard, deferred.problems, deferred.deferred) == (None, [], True)
    bad = parse_guard({**SNAKE, "account_id": UNKNOWN, "floor_usd": "lots"}, is_unknown=lambda value: value is UNKNOWN)
    assert (bad.deferred, [problem.key for problem in bad.problems]) == (False, ["floor_usd"])


def test_a_missing_floor_is_required() -> None:
    assert [problem.reason for problem in parse_guard({"account_id": ACCOUNT}).problems] == ["floor_usd is required"]


def test_the_python_guard_takes_every_input_with_the_definitions_default() -> None:
    # The dynamic guard lacked topup_failure_window_days, which the plugin and the policy pack took.
    parameters = inspect.signature(CreditBalanceGuard.__init__).parameters
    taken = {name: parameter.default for name, parameter in parameters.items() if name in NAMES}
    assert set(taken) == set(NAMES)
    assert {name: taken[name] for name, default in NAMES.items() if default not in (REQUIRED, None)} == {
        name: default for name, default in NAMES.items() if default not in (REQUIRED, None)
    }


NAMES = {item.name: item.default for item in GUARD_INPUTS}


def test_the_plugin_schema_declares_every_input_with_the_definitions_type() -> None:
    guard = json.loads(SCHEMA_PATH.read_text())["resources"]["cf-billing:index:CreditBalanceGuard"]
    declared = guard["inputProperties"]
    assert {item.camel: item.json_schema["type"] for item in GUARD_INPUTS} == {
        key: declared[key]["type"] for key in (item.camel for item in GUARD_INPUTS)
    }


def test_a_vanishing_spend_is_judged_without_an_arithmetic_error() -> None:
    # $1e-25 a day on $1,000: the floor is 1e28 days away, more digits than Python's default context holds.
    midnight = NOW.replace(hour=0)
    buckets = tuple(
        UsageBucket(midnight - timedelta(days=day + 1), midnight - timedelta(days=day), Decimal("1e-25"), f"b{day}")
        for day in range(7)
    )
    reading = Reading(CreditBalance(ACCOUNT, Decimal(100_000)), UsageHistory(ACCOUNT, buckets))
    guard = parse_guard({**SNAKE, "require_auto_topup": False}).guard
    assert guard is not None
    verdict = judge_guard(guard, lambda: reading, NOW, "CreditBalanceGuard")
    assert verdict.status == "ok"
    assert guard_outputs(verdict, {})["days_until_floor"] == pytest.approx(1e28 * (1000 - 49.99) / 1000, rel=1e-6)


@pytest.mark.parametrize(("on_error", "stops"), [("fail", True), ("warn", False)])
def test_an_unreadable_account_keeps_the_last_reading_and_goes_through_on_error(
    fake_cloudflare_api: FakeCloudflareAPI, on_error: str, stops: bool
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    guard = parse_guard({**SNAKE, "on_error": on_error}).guard
    assert guard is not None
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}) as client:
        verdict = judge_guard(guard, lambda: read_for(client, ACCOUNT, guard.rules, NOW), NOW, "Subject")
    assert (verdict.status, verdict.stops_deploy) == ("unreadable", stops)
    assert verdict.message.startswith(f"Subject: could not read the AI Gateway balance of account {ACCOUNT}: ")
    assert SENTINEL_TOKEN not in verdict.message
    assert guard_outputs(verdict, {"balance_usd": 12})["balance_usd"] == 12


def test_the_plugin_schema_declares_every_output_and_the_policy_config_every_config_input() -> None:
    guard = json.loads(SCHEMA_PATH.read_text())["resources"]["cf-billing:index:CreditBalanceGuard"]
    assert {camel(key) for key in OUTPUT_KEYS} <= set(guard["properties"])
    config_inputs = [item for item in GUARD_INPUTS if item.name not in ("account_id", "on_breach")]
    assert {item.camel: item.json_schema for item in config_inputs} == {
        key: value for key, value in CONFIG_SCHEMA.items() if key != "accountIds"
    }
