"""The plugin's functions over gRPC: failures name the argument that is wrong, secrets stay secret."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from pulumi_cf_billing.provider._values import UNKNOWN, to_plain
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from ..conftest import ACCOUNT, SENTINEL_TOKEN
from .plugin_process import PluginProcess, secret, values

WITH_OFFSET = "an ISO 8601 time with a UTC offset, like 2026-11-01T00:00:00Z"


@pytest.mark.parametrize(
    ("args", "argument", "words"),
    [
        pytest.param({"window": "week"}, "window", "window must be 'day' or 'hour'; got 'week'", id="window"),
        pytest.param({"window": 1}, "window", "window must be 'day' or 'hour'", id="window-number"),
        pytest.param({"start": "2026-11-01T00:00:00"}, "start", f"start must be {WITH_OFFSET}", id="naive-start"),
        pytest.param({"end": "2026-11-01"}, "end", f"end must be {WITH_OFFSET}", id="date-end"),
        pytest.param({"end": "yesterday"}, "end", "got 'yesterday'", id="words-end"),
        pytest.param(
            {"start": "2026-11-02T00:00:00Z", "end": "2026-11-01T00:00:00Z"}, "start", "is after end", id="reversed"
        ),
        pytest.param({"accountId": "nope"}, "accountId", "is not a Cloudflare account id", id="account"),
        pytest.param({"accountId": 7}, "accountId", "'7.0' is not a Cloudflare account id", id="account-number"),
    ],
)  # fmt: skip
def test_a_wrong_argument_is_a_failure_naming_it_before_any_request(
    plugin: PluginProcess, api: FakeCloudflareAPI, args: dict[str, Any], argument: str, words: str
) -> None:
    returned, failures = plugin.invoke("getUsageHistory", values(**({"accountId": ACCOUNT} | args)))

    assert returned == {}
    assert [prop for prop, _ in failures] == [argument]
    assert words in failures[0][1]
    assert "\n" not in failures[0][1]
    assert api.request_count() == 0


def test_an_argument_not_known_yet_is_named(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    _, failures = plugin.invoke("getCreditBalance", values(accountId=UNKNOWN))

    assert failures == [("accountId", "accountId is not known yet: a function reads when it is called, so its "
                         "arguments must be known")]  # fmt: skip
    assert api.request_count() == 0


def test_a_usage_range_with_offsets_is_read(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    args = values(accountId=ACCOUNT, window="hour", start="2026-11-01T09:00:00+09:00", end="2026-11-01T03:00:00Z")

    returned, failures = plugin.invoke("getUsageHistory", args)

    assert failures == []
    buckets = to_plain(returned["buckets"])
    assert [bucket["start"] for bucket in buckets] == [f"2026-11-01T0{hour}:00:00+00:00" for hour in range(3)]
    [request] = api.requests
    assert "value_grouping_window=hour" in request.path
    assert "start_time=1793491200000" in request.path  # 09:00+09:00 is 00:00 UTC


def test_an_unreadable_account_names_the_account(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))

    _, failures = plugin.invoke("getCreditBalance", values(accountId=ACCOUNT))

    assert [prop for prop, _ in failures] == ["accountId"]
    assert "'AI Gateway Read' or 'AI Gateway Write'" in failures[0][1]


@pytest.mark.parametrize("function", ["getCreditBalance", "getSpendingLimit", "getUsageHistory"])
def test_a_secret_account_makes_every_value_returned_secret(
    plugin: PluginProcess, api: FakeCloudflareAPI, function: str
) -> None:
    secret_returned, _ = plugin.invoke(function, values(accountId=secret(ACCOUNT)))
    plain_returned, _ = plugin.invoke(function, values(accountId=ACCOUNT))

    assert secret_returned
    assert all(value.is_secret for value in secret_returned.values())
    assert not any(value.is_secret for value in plain_returned.values())
    assert {key: to_plain(value) for key, value in secret_returned.items()} == {
        key: to_plain(value) for key, value in plain_returned.items()
    }


def test_an_unknown_function_is_one_line(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        plugin.invoke("getEverything", values(accountId=ACCOUNT))

    assert raised.value.details() == "cf-billing has no function 'cf-billing:index:getEverything'."
    assert SENTINEL_TOKEN not in raised.value.details()


def test_a_wrong_secret_argument_is_refused_without_showing_it(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    _, failures = plugin.invoke("getUsageHistory", values(accountId=ACCOUNT, start=secret("the-secret-start")))

    assert failures == [("start", "start must be " + WITH_OFFSET + " or 2026-11-01T09:00:00+09:00; got a secret value")]
