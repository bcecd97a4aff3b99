"""``CreditBalanceGuard`` on the plugin process, over gRPC as the engine drives it: unknowns, strict inputs,
failures to judge, ``pulumi import`` and ``refresh``, secrets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import grpc
import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime.proto import provider_pb2

from pulumi_cf_billing.provider._values import UNKNOWN, to_plain
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from ..conftest import ACCOUNT, SENTINEL_TOKEN
from .plugin_process import GUARD_URN, PluginProcess, secret, values

OUTPUTS = ("balance", "balanceUsd", "topupConfig", "status", "message")


def guard(**overrides: Any) -> dict[str, PropertyValue]:
    """A program's guard inputs: account, a $40 floor; ``None`` leaves an input out."""
    inputs = {"accountId": ACCOUNT, "floorUsd": 40} | overrides
    return values(**{key: value for key, value in inputs.items() if value is not None})


def plain(props: dict[str, PropertyValue]) -> dict[str, Any]:
    return {key: to_plain(value) for key, value in props.items()}


def one_line(reason: str) -> str:
    assert "\n" not in reason
    assert "Traceback" not in reason
    assert SENTINEL_TOKEN not in reason
    return reason


# -- unknowns (pulumi preview) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "unknown",
    [
        pytest.param({"accountId": UNKNOWN}, id="accountId"),
        pytest.param({"floorUsd": UNKNOWN}, id="floorUsd"),
        pytest.param({"requireSpendingLimit": UNKNOWN}, id="requireSpendingLimit"),
        pytest.param({"minRunwayDays": UNKNOWN, "runwayWindowDays": UNKNOWN}, id="runway"),
        pytest.param({"floorUsd": secret(UNKNOWN)}, id="secret-unknown"),
        pytest.param({"floorUsd": [UNKNOWN]}, id="nested-in-a-list"),
        pytest.param({"accountId": {"id": UNKNOWN}}, id="nested-in-a-map"),
    ],
)
def test_an_unknown_input_waits_for_up_without_a_failure_or_a_read(
    plugin: PluginProcess, api: FakeCloudflareAPI, unknown: dict[str, Any]
) -> None:
    news = guard(**unknown)

    inputs, failures = plugin.check(news)

    assert failures == []
    assert inputs == news  # handed back as sent, still unknown: the engine judges again at `up`
    assert api.request_count() == 0


def test_an_unknown_input_does_not_excuse_a_wrong_known_one(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    _, failures = plugin.check(guard(floorUsd=UNKNOWN, requireAutoTopup="false"))

    assert [prop for prop, _ in failures] == ["requireAutoTopup"]
    assert api.request_count() == 0


def test_an_unknown_true_is_not_taken_for_true(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    """Once known, ``requireSpendingLimit: false`` needs no spending limit (the unknown was never counted as true)."""
    plugin.check(guard(requireSpendingLimit=UNKNOWN))
    inputs, failures = plugin.check(guard(requireSpendingLimit=False))

    assert (failures, to_plain(inputs["status"])) == ([], "ok")
    assert api.request_count(ACCOUNT, "spending-limit") == 0


@pytest.mark.parametrize("preview", [True, False])
def test_a_preview_creates_no_id(plugin: PluginProcess, api: FakeCloudflareAPI, preview: bool) -> None:
    """A preview's id is the engine's unknown, so what depends on it waits for `up` too."""
    request = provider_pb2.CreateRequest(urn=GUARD_URN, properties=PropertyValue.marshal_map(guard()), preview=preview)

    response = plugin.call("Create", request)

    assert (response.id == "") is preview
    assert PropertyValue.unmarshal_map(response.properties) == guard()


# -- strict inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "prop"),
    [
        pytest.param({"requireAutoTopup": "false"}, "requireAutoTopup", id="text-false"),
        pytest.param({"requireSpendingLimit": 1}, "requireSpendingLimit", id="number-true"),
        pytest.param({"floorUsd": "50_0"}, "floorUsd", id="underscore"),
        pytest.param({"floorUsd": "\u0665\u0660"}, "floorUsd", id="arabic-indic-digits"),
        pytest.param({"floorUsd": "$40"}, "floorUsd", id="dollar-sign"),
        pytest.param({"floorUsd": -1}, "floorUsd", id="negative"),
        pytest.param({"floorUsd": None}, "floorUsd", id="missing-floor"),
        pytest.param({"minRunwayDays": "7 days"}, "minRunwayDays", id="days-with-words"),
        pytest.param({"runwayWindowDays": 91}, "runwayWindowDays", id="window-too-long"),
        pytest.param({"runwayWindowDays": 2.5}, "runwayWindowDays", id="window-not-whole"),
        pytest.param({"accountId": 12345}, "accountId", id="number-account"),
        pytest.param({"accountId": "not-an-account"}, "accountId", id="bad-account"),
        pytest.param({"onBreach": "explode"}, "onBreach", id="onBreach"),
        pytest.param({"onError": "ignore"}, "onError", id="onError"),
    ],
)
def test_a_wrong_input_is_refused_naming_its_key_before_any_request(
    plugin: PluginProcess, api: FakeCloudflareAPI, overrides: dict[str, Any], prop: str
) -> None:
    news = guard(**overrides)

    inputs, failures = plugin.check(news)

    assert [failure_prop for failure_prop, _ in failures] == [prop]
    reason = one_line(failures[0][1])
    assert prop in reason or "account id" in reason
    assert inputs == news
    assert api.request_count() == 0


def test_strict_inputs_that_are_right_pass(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    api.accounts[ACCOUNT].spend_usd_per_day = 1
    inputs, failures = plugin.check(
        guard(floorUsd="40.5", requireAutoTopup=False, minRunwayDays="0.5", runwayWindowDays=3, onBreach="warn")
    )

    assert failures == []
    assert to_plain(inputs["message"]) == "balance $50.00 is at or above the floor $40.50"
    assert to_plain(inputs["floorUsd"]) == "40.5"  # the input as given


def test_below_the_floor_is_one_clean_line_naming_floor_usd(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    _, failures = plugin.check(guard(floorUsd=50.01))

    assert [prop for prop, _ in failures] == ["floorUsd"]
    assert "balance $50.00 is below the floor $50.01" in one_line(failures[0][1])
    assert ACCOUNT in failures[0][1]


def test_the_verdict_is_exact_where_a_double_is_not(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    """Numbers cross gRPC as doubles: 49.99 arrives as the double nearest it and is read back as 49.99; text keeps
    digits no double holds. The status and message are judged from those exact values."""
    api.accounts[ACCOUNT].balance_cents = 4999

    at_floor, passed = plugin.check(guard(floorUsd=49.99))
    _, refused = plugin.check(guard(floorUsd="49.990000000000000000001"))

    assert (passed, to_plain(at_floor["message"])) == ([], "balance $49.99 is at or above the floor $49.99")
    assert "balance $49.99 is below the floor $49.990000000000000000001" in refused[0][1]


# -- a failure to judge ----------------------------------------------------------------------------


@pytest.mark.parametrize("on_error", ["warn", "fail"])
def test_a_runway_too_long_to_count_is_judged_not_a_traceback(
    plugin: PluginProcess, api: FakeCloudflareAPI, on_error: str
) -> None:
    """1e-25 $/day on $1,000 once made decimal.InvalidOperation escape the runway arithmetic as a traceback."""
    api.accounts[ACCOUNT].balance_cents = 100_000
    api.accounts[ACCOUNT].spend_usd_per_day = Decimal("1e-25")

    inputs, failures = plugin.check(guard(floorUsd=10, minRunwayDays=1, onError=on_error))

    assert failures == []
    assert to_plain(inputs["status"]) == "ok"
    assert to_plain(inputs["message"]) == "balance $1,000.00 is at or above the floor $10.00"
    assert to_plain(inputs["daysUntilFloor"]) > 10**26


# -- refresh and import ----------------------------------------------------------------------------


def test_import_is_refused_with_what_to_do(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    """``pulumi import`` reads with no properties at all: one line saying guards are declared, not imported."""
    with pytest.raises(grpc.RpcError) as raised:
        plugin.read("credit-guard-1", {})

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = raised.value.details()
    assert "CreditBalanceGuard credit-guard-1 cannot be imported" in details
    assert "Declare it in the program (floorUsd is required) and run pulumi up." in details
    assert api.request_count() == 0


def test_refresh_of_unusable_state_names_what_is_wrong(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        plugin.read("credit-guard-1", values(accountId=ACCOUNT, floorUsd="lots"))

    assert "cannot be refreshed: its state lacks usable inputs (floorUsd must be" in raised.value.details()
    assert api.request_count() == 0


def test_refresh_reads_again_and_records_an_unreadable_account_as_a_status(
    plugin: PluginProcess, api: FakeCloudflareAPI
) -> None:
    state, _ = plugin.check(guard())
    api.accounts[ACCOUNT].balance_cents = 4200

    refreshed, response = plugin.read("credit-guard-1", state)
    assert (to_plain(refreshed["balanceUsd"]), response.id) == (42, "credit-guard-1")

    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    refreshed, _ = plugin.read("credit-guard-1", refreshed)
    assert to_plain(refreshed["status"]) == "unreadable"
    assert to_plain(refreshed["balanceUsd"]) == 42  # the last reading, carried over


# -- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret_input", ["floorUsd", "accountId"])
def test_a_secret_input_stays_secret_and_makes_every_output_secret(
    plugin: PluginProcess, api: FakeCloudflareAPI, secret_input: str
) -> None:
    news = guard() | {secret_input: secret(to_plain(guard()[secret_input]))}

    checked, failures = plugin.check(news)
    refreshed, _ = plugin.read("credit-guard-1", checked)

    assert failures == []
    for props in (checked, refreshed):
        assert {key for key, value in props.items() if not value.is_secret} == {"accountId", "floorUsd"} - {
            secret_input
        }
        assert set(OUTPUTS) <= set(props)
        assert to_plain(props["status"]) == "ok"


def test_without_a_secret_input_nothing_is_secret(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    checked, _ = plugin.check(guard())

    assert not any(value.is_secret for value in checked.values())


def test_a_failure_shows_a_secret_account_and_floor_as_secret(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    _, failures = plugin.check(guard(accountId=secret(ACCOUNT), floorUsd=secret(60.5)))

    reason = one_line(failures[0][1])
    assert "balance $50.00 is below the floor [secret]" in reason
    assert "of account [secret]" in reason
    assert ACCOUNT not in reason
    assert "60.5" not in reason


def test_turning_an_input_secret_is_a_change(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    state, _ = plugin.check(guard())
    news, _ = plugin.check(guard(floorUsd=secret(40)))

    response = plugin.diff(state, news)

    assert "floorUsd" in response.diffs
    assert "status" in response.diffs  # now secret


@pytest.mark.parametrize(
    ("overrides", "shown_as"),
    [
        pytest.param({"floorUsd": secret("lots")}, "; got a secret value", id="floor"),
        pytest.param({"requireAutoTopup": secret("yes")}, "; got a secret value", id="boolean"),
        pytest.param({"accountId": secret("feedface")}, "'[secret]' is not a Cloudflare account id", id="account"),
    ],
)
def test_a_wrong_secret_input_is_refused_without_showing_it(
    plugin: PluginProcess, api: FakeCloudflareAPI, overrides: dict[str, Any], shown_as: str
) -> None:
    _, failures = plugin.check(guard(**overrides))

    [(prop, reason)] = failures
    assert prop in overrides
    assert shown_as in reason
    assert to_plain(overrides[prop]) not in reason
