"""The plugin's schema against what the plugin process returns over gRPC, in the schema's names and units."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_cf_billing.provider import SCHEMA_PATH
from pulumi_cf_billing.provider._values import to_plain
from pulumi_cf_billing.testing import FakeCloudflareAPI

from ..conftest import ACCOUNT, SENTINEL_TOKEN
from .plugin_process import PluginProcess, values

SCHEMA = json.loads(SCHEMA_PATH.read_text())


def declared(properties: dict[str, Any], value: dict[str, Any]) -> None:
    """Every key of ``value`` is declared by the schema, with nested objects followed through their types."""
    for key, item in value.items():
        assert key in properties, f"{key} is not in the schema"
        ref = properties[key].get("$ref") or properties[key].get("items", {}).get("$ref")
        for nested in item if isinstance(item, list) else [item]:
            if ref and isinstance(nested, dict):
                declared(SCHEMA["types"][ref.removeprefix("#/types/")]["properties"], nested)


@pytest.fixture
def limited(api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    api.accounts[ACCOUNT].spending_limit = {"amount": 100, "duration": "daily"}
    return api


@pytest.mark.parametrize("function", ["getCreditBalance", "getSpendingLimit", "getUsageHistory"])
def test_every_function_returns_what_the_schema_declares(
    plugin: PluginProcess, limited: FakeCloudflareAPI, function: str
) -> None:
    returned, failures = plugin.invoke(function, values(accountId=ACCOUNT))

    assert failures == []
    value = {key: to_plain(item) for key, item in returned.items()}
    outputs = SCHEMA["functions"][f"cf-billing:index:{function}"]["outputs"]
    declared(outputs["properties"], value)
    assert set(outputs.get("required", [])) <= set(value)
    assert SENTINEL_TOKEN not in json.dumps(value)


def test_get_credit_balance_keeps_cents_and_dollars(plugin: PluginProcess, limited: FakeCloudflareAPI) -> None:
    returned, _ = plugin.invoke("getCreditBalance", values(accountId=ACCOUNT))

    value = {key: to_plain(item) for key, item in returned.items()}
    assert (value["balance"], value["balanceUsd"], value["topupConfig"]["thresholdUsd"]) == (5000, 50, 10)


def test_the_guard_declares_every_input_and_output_it_records(
    plugin: PluginProcess, limited: FakeCloudflareAPI
) -> None:
    checked, failures = plugin.check(values(accountId=ACCOUNT, floorUsd=10, requireSpendingLimit=True))

    assert failures == []
    recorded = {key: to_plain(value) for key, value in checked.items()}
    declared(SCHEMA["resources"]["cf-billing:index:CreditBalanceGuard"]["properties"], recorded)
    assert recorded["status"] == "ok"
    assert recorded["spendingLimit"]["amountUsd"] == 1
