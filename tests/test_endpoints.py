"""The endpoint table drives every surface: a fourth, test-only endpoint declared here in a few lines is read
by both clients, served by the fake and called as a generated Pulumi function; the real ones match the schema."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs

import pulumi
import pytest

from pulumi_cf_billing import AccountNotFoundError, AsyncBillingClient, BillingClient, GetSpendingLimitResult
from pulumi_cf_billing import _endpoints as table
from pulumi_cf_billing._endpoints import Endpoint
from pulumi_cf_billing._results import Query, ResultProblem
from pulumi_cf_billing.provider import SCHEMA_PATH
from pulumi_cf_billing.provider._functions import _FUNCTIONS
from pulumi_cf_billing.provider._values import camel
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT, REPO, SENTINEL_TOKEN
from .mocks.conftest import CLOUDFLARE_ENV, own_event_loop, run_program

SCHEMA = json.loads(SCHEMA_PATH.read_text())
_spec = importlib.util.spec_from_file_location("gen_functions", REPO / "tools" / "gen_functions.py")
assert _spec is not None
assert _spec.loader is not None
gen_functions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_functions)


# -- a fourth endpoint, declared once -------------------------------------------------------------


@dataclass(frozen=True)
class LogsCount:
    account_id: str
    count: int


def read_logs_count(result: dict[str, Any], account_id: str) -> LogsCount:
    if not isinstance(result.get("count"), int):
        raise ResultProblem("a result without a whole count")
    return LogsCount(account_id, result["count"])


def logs_query(gateway: str = "all") -> Query:
    """``gateway`` is one gateway's id, or ``all`` (default)."""
    return (("gateway", gateway),)


LOGS_COUNT = Endpoint(
    "gateway-logs-count",
    read_logs_count,
    to_dict=lambda logs: {"account_id": logs.account_id, "count": logs.count},
    fake=lambda account, query, _now_ms: {"count": len(parse_qs(query)["gateway"][0]) * 100},
    query=logs_query,
)
LOGS_SCHEMA = {
    "description": "How many AI Gateway log entries an account holds.",
    "inputs": {"properties": {"accountId": {"type": "string"}, "gateway": {"type": "string"}}},
    "outputs": {
        "properties": {
            "accountId": {"type": "string", "description": "The account read."},
            "count": {"type": "integer", "description": "Log entries, a count."},
        },
        "required": ["accountId", "count"],
    },
}


@pytest.fixture
def logs_api() -> Iterator[FakeCloudflareAPI]:
    """A fake serving the table's endpoints and the fourth one, on 127.0.0.1, an account granted to the sentinel."""
    with FakeCloudflareAPI(endpoints=(*table.ENDPOINTS.values(), LOGS_COUNT)) as api:
        api.add_account(ACCOUNT)
        api.add_token(SENTINEL_TOKEN)
        yield api


def test_a_new_endpoint_is_read_by_both_clients_from_a_fake_that_serves_it(logs_api: FakeCloudflareAPI) -> None:
    settings = {"account_id": ACCOUNT, "api_token": SENTINEL_TOKEN, "base_url": logs_api.base_url}

    async def read_async() -> LogsCount:
        async with AsyncBillingClient(**settings) as client:
            return await client.read(LOGS_COUNT)

    with BillingClient(**settings) as client:
        assert client.read(LOGS_COUNT, gateway="prod") == LogsCount(ACCOUNT, 400)
    assert asyncio.run(read_async()) == LogsCount(ACCOUNT, 300)
    assert [request.path.rpartition("/")[2] for request in logs_api.requests] == [
        "gateway-logs-count?gateway=prod",
        "gateway-logs-count?gateway=all",
    ]
    assert logs_api.request_count(ACCOUNT, "gateway-logs-count") == 2


def test_a_fake_without_the_endpoint_has_no_route_for_it(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)

    with BillingClient(account_id=ACCOUNT, api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url) as client:
        with pytest.raises(AccountNotFoundError, match="No route for that URI"):
            client.read(LOGS_COUNT)
        assert client.get_spending_limit().enabled is False


@pytest.fixture
def logs_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The Pulumi functions ``tools/gen_functions.py`` generates for the fourth endpoint, imported.

    A generated function names its endpoint; the table it looks the name up in holds the fourth one for this test.
    """
    monkeypatch.setattr(table, "ENDPOINTS", MappingProxyType({**table.ENDPOINTS, LOGS_COUNT.name: LOGS_COUNT}))
    source, names = gen_functions.render_module({"functions": {"cf-billing:index:getGatewayLogsCount": LOGS_SCHEMA},
                                                 "types": {}}, LOGS_COUNT)  # fmt: skip
    assert names == [
        "GetGatewayLogsCountResult", "AwaitableGetGatewayLogsCountResult", "get_gateway_logs_count",
        "get_gateway_logs_count_output",
    ]  # fmt: skip
    module = types.ModuleType("pulumi_cf_billing._pulumi._generated.get_gateway_logs_count")
    module.__package__ = "pulumi_cf_billing._pulumi._generated"  # for its relative import of _functions
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, module.__name__, "exec"), module.__dict__)  # noqa: S102  # the generator's own output
    return module


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As the mocks tests run: no ambient credentials, an event loop of the test's own, no config left behind."""
    for name in CLOUDFLARE_ENV:
        monkeypatch.delenv(name, raising=False)
    with own_event_loop():
        yield
    pulumi.runtime.set_all_config({}, secret_keys=[])
    pulumi.runtime.settings.reset_options()


@pytest.mark.usefixtures("isolated")
def test_a_new_endpoint_gets_generated_pulumi_functions(
    logs_api: FakeCloudflareAPI, logs_module: types.ModuleType
) -> None:
    def program() -> dict[str, Any]:
        direct = logs_module.get_gateway_logs_count(ACCOUNT, gateway="prod")
        return {"direct": direct, "output": logs_module.get_gateway_logs_count_output(ACCOUNT, gateway="prod")}

    config = {"cloudflare:apiToken": SENTINEL_TOKEN, "cloudflare:baseUrl": logs_api.base_url}
    run = run_program(logs_api, program, config=config)

    direct, output = run.known("direct"), run.known("output")
    assert isinstance(direct, logs_module.AwaitableGetGatewayLogsCountResult)
    assert type(output) is logs_module.GetGatewayLogsCountResult
    assert dict(direct) == {"account_id": ACCOUNT, "count": 400}
    assert (output.account_id, output.count) == (ACCOUNT, 400)
    assert logs_module.GetGatewayLogsCountResult.count.__doc__ == "Log entries, a count."
    assert logs_api.request_count(ACCOUNT, "gateway-logs-count") == 1  # one read per run, shared


@pytest.mark.usefixtures("isolated")
def test_a_generated_function_reports_an_unreadable_endpoint_as_one_line(
    fake_cloudflare_api: FakeCloudflareAPI, logs_module: types.ModuleType
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    config = {"cloudflare:apiToken": SENTINEL_TOKEN, "cloudflare:baseUrl": fake_cloudflare_api.base_url}

    with pytest.raises(pulumi.RunError) as caught:
        run_program(fake_cloudflare_api, lambda: {"n": logs_module.get_gateway_logs_count(ACCOUNT)}, config=config)

    assert str(caught.value).startswith("get_gateway_logs_count: ")
    assert "\n" not in str(caught.value)
    assert SENTINEL_TOKEN not in str(caught.value)


# -- the table's own endpoints --------------------------------------------------------------------


def test_the_generated_functions_are_what_the_table_and_the_schema_make() -> None:
    outputs = gen_functions.render(SCHEMA, table.ENDPOINTS.values())

    stale = [str(path.relative_to(REPO)) for path, text in outputs.items() if path.read_text() != text]
    assert stale == [], "run .venv/bin/python tools/gen_functions.py"
    assert sorted(gen_functions.GENERATED.glob("*.py")) == sorted(outputs)


def test_the_schema_declares_a_function_for_each_endpoint_with_its_python_arguments() -> None:
    declared = {token: function["inputs"]["properties"] for token, function in SCHEMA["functions"].items()}

    expected = {
        f"cf-billing:index:{camel(endpoint.function)}": {
            "accountId",
            *map(camel, inspect.signature(endpoint.query).parameters),
        }
        for endpoint in table.ENDPOINTS.values()
    }
    assert {token: set(inputs) for token, inputs in declared.items()} == expected
    assert set(_FUNCTIONS) == set(declared)  # the plugin's Invoke answers each, from the table


def test_results_are_typed_keyword_only_and_document_their_units() -> None:
    with pytest.raises(TypeError, match="unexpected 'amount_cents'"):
        GetSpendingLimitResult(account_id=ACCOUNT, enabled=True, amount_cents=5)
    with pytest.raises(TypeError, match="missing 'enabled'"):
        GetSpendingLimitResult(account_id=ACCOUNT)

    limit = GetSpendingLimitResult(account_id=ACCOUNT, enabled=True, amount=5000)
    assert dict(limit) == {"account_id": ACCOUNT, "enabled": True, "amount": 5000, "amount_usd": None,
                           "duration": None, "strategy": None}  # fmt: skip
    assert "US cents" in (GetSpendingLimitResult.amount.__doc__ or "")
    assert "US dollars" in (GetSpendingLimitResult.amount_usd.__doc__ or "")


def test_the_generator_refuses_an_output_without_a_description() -> None:
    schema = json.loads(json.dumps({"functions": {"cf-billing:index:getGatewayLogsCount": LOGS_SCHEMA}, "types": {}}))
    del schema["functions"]["cf-billing:index:getGatewayLogsCount"]["outputs"]["properties"]["count"]["description"]

    with pytest.raises(SystemExit, match=r"GetGatewayLogsCountResult\.count has no description"):
        gen_functions.render_module(schema, LOGS_COUNT)


def test_the_generator_checks_from_the_command_line() -> None:
    checked = subprocess.run(
        [sys.executable, "tools/gen_functions.py", "--check"], cwd=REPO, capture_output=True, text=True, check=False
    )

    assert (checked.returncode, checked.stderr) == (0, "")
