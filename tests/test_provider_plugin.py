"""The ``cf-billing`` provider plugin: its schema against its behaviour, and (marker ``engine``) a Pulumi YAML program
using its function and its guard under the real engine."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi.provider.experimental import provider as api

from pulumi_cf_billing.provider import SCHEMA_PATH, CfBillingProvider
from pulumi_cf_billing.provider._values import to_plain, to_value
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault, LocalStack

from .conftest import ACCOUNT, REPO, SENTINEL_TOKEN

SCHEMA = json.loads(SCHEMA_PATH.read_text())
GUARD_LINE = f"CreditBalanceGuard: AI Gateway credits of account {ACCOUNT} are not enough to deploy: balance $9.99"


@pytest.fixture
def api_(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000, spending_limit={"amount": 100, "duration": "daily"})
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api


@pytest.fixture
def provider(api_: FakeCloudflareAPI) -> CfBillingProvider:
    plugin = CfBillingProvider(environ={})
    config = {"apiToken": to_value(SENTINEL_TOKEN).with_secret(True), "baseUrl": to_value(api_.base_url)}
    asyncio.run(plugin.configure(api.ConfigureRequest({}, config, True, False)))
    return plugin


def invoke(provider: CfBillingProvider, function: str, **args: Any) -> api.InvokeResponse:
    request = api.InvokeRequest(f"cf-billing:index:{function}", {k: to_value(v) for k, v in args.items()})
    return asyncio.run(provider.invoke(request))


def declared(properties: dict[str, Any], value: dict[str, Any]) -> None:
    """Every key of ``value`` is declared by the schema, with nested objects followed through their types."""
    for key, item in value.items():
        assert key in properties, f"{key} is not in the schema"
        ref = properties[key].get("$ref") or properties[key].get("items", {}).get("$ref")
        for nested in item if isinstance(item, list) else [item]:
            if ref and isinstance(nested, dict):
                declared(SCHEMA["types"][ref.removeprefix("#/types/")]["properties"], nested)


@pytest.mark.parametrize("function", ["getCreditBalance", "getSpendingLimit", "getUsageHistory"])
def test_every_function_returns_what_the_schema_declares(provider: CfBillingProvider, function: str) -> None:
    response = invoke(provider, function, accountId=ACCOUNT)
    assert not response.failures
    value = {key: to_plain(item) for key, item in (response.return_value or {}).items()}
    outputs = SCHEMA["functions"][f"cf-billing:index:{function}"]["outputs"]
    declared(outputs["properties"], value)
    assert set(outputs.get("required", [])) <= set(value)
    assert SENTINEL_TOKEN not in json.dumps(value)


def test_get_credit_balance_keeps_cents_and_dollars(provider: CfBillingProvider) -> None:
    value = {
        k: to_plain(v) for k, v in (invoke(provider, "getCreditBalance", accountId=ACCOUNT).return_value or {}).items()
    }
    assert (value["balance"], value["balanceUsd"], value["topupConfig"]["thresholdUsd"]) == (5000, 50, 10)


def test_an_unreadable_account_is_a_failure_naming_what_to_do(
    provider: CfBillingProvider, api_: FakeCloudflareAPI
) -> None:
    api_.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    response = invoke(provider, "getCreditBalance", accountId=ACCOUNT)
    assert response.failures
    assert "'AI Gateway Read' or 'AI Gateway Write'" in response.failures[0].reason


def test_the_guard_declares_every_input_and_output_it_records(provider: CfBillingProvider) -> None:
    news = {"accountId": to_value(ACCOUNT), "floorUsd": to_value(10), "requireSpendingLimit": to_value(True)}
    checked = asyncio.run(provider.check(api.CheckRequest("urn", {}, news, b"")))
    assert not checked.failures
    recorded = {key: to_plain(value) for key, value in (checked.inputs or {}).items()}
    declared(SCHEMA["resources"]["cf-billing:index:CreditBalanceGuard"]["properties"], recorded)
    assert recorded["status"] == "ok"
    assert recorded["spendingLimit"]["amountUsd"] == 1
    assert SENTINEL_TOKEN not in json.dumps(recorded)


# -- under the engine ---------------------------------------------------------------------------


@pytest.fixture
def yaml_stack(engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path) -> LocalStack:
    env = {
        "CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN,
        "CLOUDFLARE_BASE_URL": api_.base_url,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
    }
    project = REPO / "tests" / "engine_programs" / "yaml_plugin"
    stack = LocalStack(project, tmp_path, bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=env)
    stack.init()
    return stack


@pytest.mark.engine
def test_a_yaml_program_exports_the_balance_through_the_plugin(yaml_stack: LocalStack) -> None:
    yaml_stack.up()
    outputs = yaml_stack.outputs()
    assert (outputs["balanceUsd"], outputs["thresholdUsd"], outputs["guardStatus"]) == (50, 10, "ok")


@pytest.mark.engine
def test_the_plugin_guard_refuses_a_cent_under_the_floor_and_leaves_dependents_alone(
    yaml_stack: LocalStack, api_: FakeCloudflareAPI
) -> None:
    api_.accounts[ACCOUNT].balance_cents = 999
    for refused in (yaml_stack.preview(check=False), yaml_stack.up(check=False)):
        assert refused.returncode != 0
        assert GUARD_LINE in refused.output
        assert SENTINEL_TOKEN not in refused.output
    resources = yaml_stack.export()["deployment"].get("resources") or []
    assert not any(r["urn"].endswith("::app") for r in resources)


@pytest.mark.engine
def test_state_holds_no_credential_and_no_code_and_destroy_reads_nothing(
    yaml_stack: LocalStack, api_: FakeCloudflareAPI
) -> None:
    yaml_stack.up()
    exported = json.dumps(yaml_stack.export(show_secrets=True))
    assert SENTINEL_TOKEN not in exported
    assert SENTINEL_TOKEN not in yaml_stack.state_files_text()
    guard = next(r for r in yaml_stack.export()["deployment"]["resources"] if r["urn"].endswith("::guard"))
    assert "__provider" not in guard["inputs"]  # a real custom resource: nothing pickled
    api_.accounts[ACCOUNT].balance_cents = 4200
    before = api_.request_count()
    yaml_stack.refresh()
    assert api_.request_count() > before  # refresh reads again
    guard = next(r for r in yaml_stack.export()["deployment"]["resources"] if r["urn"].endswith("::guard"))
    assert guard["outputs"]["balanceUsd"] == 42
    before = api_.request_count()
    yaml_stack.destroy()
    assert api_.request_count() == before
