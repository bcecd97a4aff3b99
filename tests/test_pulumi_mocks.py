"""The Pulumi surface run under Pulumi's unit-test mocks, reading the fake Cloudflare API over real sockets.

The mocks stand in for the engine only: every balance read in these tests is an HTTP request to
the fake, and stack config reaches the library through ``pulumi.Config`` as in a real program.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import json
import logging
import pickletools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import dill
import pulumi
import pulumi.runtime
import pytest
from pulumi import _types as pulumi_types

from pulumi_cf_billing import (
    AuthenticationError,
    AwaitableGetCreditBalanceResult,
    CreditBalance,
    CreditBalanceGuard,
    GetCreditBalanceResult,
    get_credit_balance,
    get_credit_balance_output,
    require_credit_balance,
)
from pulumi_cf_billing._pulumi._guard_provider import CreditBalanceGuardProvider
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, NOWHERE_BASE_URL, SENTINEL_TOKEN
from .conftest import OTHER_ACCOUNT as OTHER

SENTINEL = SENTINEL_TOKEN
ENV_TOKEN = "env-token-3b7c"
ARG_TOKEN = "argument-token-91aa"
GUARD_TYPE = "pulumi-python:dynamic/cf-billing:CreditBalanceGuard"
PENDING = "test:index:Pending"  # the mocks never finish it: its id stays unknown, in up as in preview
COMPUTED = "test:index:Computed"  # its ``value`` output is unknown in preview, known in up
CLOUDFLARE_ENV = (
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_API_KEY",
    "CLOUDFLARE_EMAIL",
    "CLOUDFLARE_BASE_URL",
    "CLOUDFLARE_ACCOUNT_ID",
    "PULUMI_CONFIG",
    "PULUMI_CONFIG_SECRET_KEYS",
)


class Computed(pulumi.CustomResource):
    """A resource whose ``value`` the provider computes: unknown in preview, ``final`` in up."""

    value: pulumi.Output[str]

    def __init__(self, name: str, final: str) -> None:
        super().__init__(COMPUTED, name, {"final": final, "value": None})


class Pending(pulumi.CustomResource):
    """A resource that never gets an id in these tests, like one not created yet in preview."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(PENDING, name, {}, opts)


class Thing(pulumi.CustomResource):
    """A resource the mocks create at once, with a known id."""

    def __init__(self, name: str) -> None:
        super().__init__("test:index:Thing", name, {})


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    """Creates resources as the engine would and records what was registered, and when."""

    api: FakeCloudflareAPI
    preview: bool
    guard_outputs: dict[str, Any] = field(default_factory=dict)
    on_register: Callable[[pulumi.runtime.MockResourceArgs], None] | None = None
    registered: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    requests_at_registration: dict[str, int] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        self.requests_at_registration[args.name] = self.api.request_count()
        if self.on_register is not None:
            self.on_register(args)
        if args.typ == PENDING:
            return "", {}
        if args.typ == COMPUTED:
            return f"{args.name}-id", {} if self.preview else {"value": args.inputs["final"]}
        if args.typ == GUARD_TYPE:
            return f"{args.name}-id", {**args.inputs, **self.guard_outputs}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise AssertionError(f"the library made a provider invoke ({args.token}); it reads Cloudflare itself")


@dataclass
class ProgramRun:
    """What one program run produced: each returned output as ``(is_known, value)``, and the mocks."""

    outputs: dict[str, tuple[bool, Any]]
    mocks: RecordingMocks

    def known(self, name: str) -> Any:
        is_known, value = self.outputs[name]
        assert is_known, f"output {name!r} is unknown"
        return value


Program = Callable[[], dict[str, Any] | None]


@contextlib.contextmanager
def own_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A new event loop for this thread, closed at the end together with the loops of its executor's threads.

    Pulumi's mock monitor gives each executor thread an event loop it never closes, which the garbage
    collector would later report in some other test; here each worker gets one up front instead.
    """
    worker_loops: list[asyncio.AbstractEventLoop] = []

    def give_worker_a_loop() -> None:
        asyncio.set_event_loop(worker_loop := asyncio.new_event_loop())
        worker_loops.append(worker_loop)

    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(initializer=give_worker_a_loop)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        executor.shutdown(wait=True)
        for each in [*worker_loops, loop]:
            each.close()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ambient credentials, an event loop of the test's own, and no config or mocks left behind.

    (The conftest empties the cache of reads.)
    """
    for name in CLOUDFLARE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", NOWHERE_BASE_URL)  # a forgotten base URL never means Cloudflare
    with own_event_loop():
        yield
    pulumi.runtime.set_all_config({}, secret_keys=[])
    pulumi.runtime.settings.reset_options()


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    """The fake with two accounts, ``SENTINEL`` granted to both."""
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=4999.5)
    fake_cloudflare_api.add_account(OTHER, balance_cents=12000)
    fake_cloudflare_api.add_token(SENTINEL)
    return fake_cloudflare_api


@pytest.fixture
def stack_config(api: FakeCloudflareAPI) -> dict[str, str]:
    """The stack config of a program set up for pulumi-cloudflare, pointed at the fake."""
    return {"cloudflare:apiToken": SENTINEL, "cloudflare:baseUrl": api.base_url}


def run_program(
    api: FakeCloudflareAPI,
    program: Program,
    *,
    config: dict[str, str],
    preview: bool = False,
    mocks: RecordingMocks | None = None,
    logger: logging.Logger | None = None,
) -> ProgramRun:
    """Run ``program`` as ``pulumi up`` (or preview) would, under mocks; settle every output it returns."""
    mocks = mocks or RecordingMocks(api, preview)
    pulumi.runtime.set_mocks(mocks, preview=preview, logger=logger)
    pulumi.runtime.set_all_config(config, secret_keys=["cloudflare:apiToken"])
    outputs: dict[str, tuple[bool, Any]] = {}

    async def main() -> None:
        for name, value in (program() or {}).items():
            if isinstance(value, pulumi.Output):
                outputs[name] = (await value.is_known(), await value.future())
            else:
                outputs[name] = (True, value)

    pulumi.runtime.test(main)()
    return ProgramRun(outputs, mocks)


# -- get_credit_balance_output and get_credit_balance ------------------------------------


def as_plain(result: Any) -> Any:
    """A function result as the plain JSON data a stack output holds (output types compare by type too)."""
    return json.loads(json.dumps(result))


EXPECTED_ACCOUNT = {
    "account_id": ACCOUNT,
    "balance": 4999.5,
    "balance_usd": 49.995,
    "has_default_payment_method": True,
    "payment_method": {"brand": "visa", "last4": "4242"},
    "topup_config": {
        "amount": 2000,
        "threshold": 1000,
        "amount_usd": 20,
        "threshold_usd": 10,
        "disabled_reason": None,
        "error": None,
        "last_failed_at": None,
    },
    "first_topup_success": True,
}


def test_output_carries_the_balance_in_cents_and_exact_dollars(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    run = run_program(api, lambda: {"credits": get_credit_balance_output(ACCOUNT)}, config=stack_config)

    result = run.known("credits")
    assert isinstance(result, GetCreditBalanceResult)
    assert as_plain(result) == EXPECTED_ACCOUNT
    assert (result.balance, result.balance_usd) == (4999.5, 49.995)
    assert result.payment_method is not None
    assert (result.payment_method.brand, result.payment_method.last4) == ("visa", "4242")
    assert (result.topup_config.amount_usd, result.topup_config.threshold_usd) == (20, 10)
    assert result.topup_config.disabled_reason is None
    assert api.request_count(ACCOUNT) == 1


def test_output_reflects_a_disabled_top_up_and_no_payment_method(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    api.add_account(
        ACCOUNT,
        balance_cents=0.25,
        payment_method=None,
        has_default_payment_method=False,
        topup_amount_cents=1234.5,
        topup_threshold_cents=None,
        disabled_reason="card_declined",
        topup_error="Your card was declined.",
        last_failed_at_ms=1_700_000_000_000,
        first_topup_success=None,
    )
    run = run_program(api, lambda: {"credits": get_credit_balance_output(ACCOUNT)}, config=stack_config)

    result = run.known("credits")
    assert (result.balance, result.balance_usd) == (0.25, 0.0025)
    assert result.payment_method is None
    assert result.has_default_payment_method is False
    assert result.first_topup_success is None
    assert as_plain(result.topup_config) == {
        "amount": 1234.5,
        "threshold": None,
        "amount_usd": 12.345,
        "threshold_usd": None,
        "disabled_reason": "card_declined",
        "error": "Your card was declined.",
        "last_failed_at": 1_700_000_000_000,
    }


def test_results_are_pulumi_output_types_that_export_as_stack_outputs(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    run = run_program(
        api,
        lambda: {"credits": get_credit_balance_output(ACCOUNT), "sync": get_credit_balance(ACCOUNT)},
        config=stack_config,
    )
    for result in (run.known("credits"), run.known("sync")):
        assert pulumi_types.is_output_type(type(result))
        assert pulumi_types.is_output_type(type(result.topup_config))
        assert pulumi_types.is_output_type(type(result.payment_method))
        assert pulumi_types.output_type_to_dict(result)["balance_usd"] == 49.995


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_get_credit_balance_reads_now_and_can_be_awaited(
    api: FakeCloudflareAPI, stack_config: dict[str, str], preview: bool
) -> None:
    async def awaited(result: AwaitableGetCreditBalanceResult) -> GetCreditBalanceResult:
        return await result

    def program() -> dict[str, Any]:
        result = get_credit_balance(ACCOUNT)
        return {"plain": result, "awaited": pulumi.Output.from_input(awaited(result))}

    run = run_program(api, program, config=stack_config, preview=preview)

    plain = run.known("plain")
    assert isinstance(plain, AwaitableGetCreditBalanceResult)
    assert as_plain(plain) == EXPECTED_ACCOUNT
    assert plain.balance_usd == 49.995
    assert as_plain(run.known("awaited")) == EXPECTED_ACCOUNT
    assert api.request_count(ACCOUNT) == 1


@pytest.mark.parametrize("unknown", ["account_id", "api_token", "base_url"])
def test_an_unknown_input_in_preview_gives_an_unknown_result_and_no_request(
    api: FakeCloudflareAPI, stack_config: dict[str, str], unknown: str
) -> None:
    final = {"account_id": ACCOUNT, "api_token": SENTINEL, "base_url": api.base_url}[unknown]

    def program() -> dict[str, Any]:
        computed = Computed("computed", final)
        arguments: dict[str, Any] = {"account_id": ACCOUNT, unknown: computed.value}
        return {"credits": get_credit_balance_output(**arguments), "control": get_credit_balance_output(OTHER)}

    preview = run_program(api, program, config=stack_config, preview=True)

    assert preview.outputs["credits"] == (False, None)
    assert preview.known("control")["account_id"] == OTHER  # the mocks do let reads through in preview
    assert api.request_count(ACCOUNT) == 0

    up = run_program(api, program, config=stack_config, preview=False)

    assert as_plain(up.known("credits")) == EXPECTED_ACCOUNT
    assert api.request_count(ACCOUNT) == 1


def test_every_read_of_one_account_in_one_run_shares_one_request(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    def program() -> dict[str, Any]:
        outputs: dict[str, Any] = {f"output-{i}": get_credit_balance_output(ACCOUNT) for i in range(3)}
        outputs["other-0"] = get_credit_balance_output(OTHER)
        outputs["other-1"] = get_credit_balance_output(OTHER)
        outputs["sync"] = get_credit_balance(ACCOUNT)
        outputs["required"] = require_credit_balance(40, ACCOUNT)
        return outputs

    run = run_program(api, program, config=stack_config)

    for i in range(3):
        assert as_plain(run.known(f"output-{i}")) == EXPECTED_ACCOUNT
    assert as_plain(run.known("sync")) == EXPECTED_ACCOUNT
    assert run.known("required").balance_usd == Decimal("49.995")
    assert run.known("other-0")["balance_usd"] == run.known("other-1")["balance_usd"] == 120
    assert (api.request_count(ACCOUNT), api.request_count(OTHER)) == (1, 1)


def test_concurrent_output_reads_share_the_request_in_flight(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    api.inject(ACCOUNT, Fault.slow(0.2), times=1)  # keeps the first read in flight while the others start

    run = run_program(
        api, lambda: {f"credits-{i}": get_credit_balance_output(ACCOUNT) for i in range(5)}, config=stack_config
    )

    assert [as_plain(run.known(f"credits-{i}")) for i in range(5)] == [EXPECTED_ACCOUNT] * 5
    assert api.request_count(ACCOUNT) == 1


def test_a_sync_read_inside_an_apply_does_not_deadlock_on_a_read_in_flight(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    """``get_credit_balance`` inside an apply, while ``get_credit_balance_output`` of the account is in flight.

    The program runs in a thread of its own so that a deadlock fails this test instead of hanging the run.
    """
    api.inject(ACCOUNT, Fault.slow(0.3), times=1)  # holds the output's read in flight

    async def then_read(_: Any) -> float:
        await asyncio.to_thread(api.wait_for_requests, 1)  # the output's read has reached the fake
        return float(get_credit_balance(ACCOUNT)["balance_usd"])

    def program() -> dict[str, Any]:
        return {"output": get_credit_balance_output(ACCOUNT), "in_apply": Thing("thing").id.apply(then_read)}

    outcome = run_in_own_thread(lambda: run_program(api, program, config=stack_config), timeout_s=10)

    assert as_plain(outcome.known("output")) == EXPECTED_ACCOUNT
    assert outcome.known("in_apply") == 49.995


def run_in_own_thread(call: Callable[[], ProgramRun], timeout_s: float) -> ProgramRun:
    """``call()`` in a thread with an event loop of its own; fail after ``timeout_s`` instead of hanging."""
    finished: list[ProgramRun | BaseException] = []

    def run() -> None:
        with own_event_loop():
            try:
                finished.append(call())
            except BaseException as error:  # re-raised in the test's thread
                finished.append(error)

    thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True)
    thread.start()
    thread.join(timeout_s)
    assert finished, f"the program did not finish within {timeout_s} s: deadlocked"
    if isinstance(finished[0], BaseException):
        raise finished[0]
    return finished[0]


# -- depends_on ---------------------------------------------------------------------------

DEPENDS_ON_FORMS: dict[str, Callable[[pulumi.Resource], Any]] = {
    "list": lambda dep: [dep],
    "single": lambda dep: dep,
    "output_of_list": lambda dep: pulumi.Output.from_input([dep]),
    "list_of_outputs": lambda dep: [pulumi.Output.from_input(dep)],
}


@pytest.mark.parametrize("form", DEPENDS_ON_FORMS)
def test_depends_on_a_resource_not_created_yet_gives_an_unknown_result_and_no_request(
    api: FakeCloudflareAPI, stack_config: dict[str, str], form: str
) -> None:
    def program() -> dict[str, Any]:
        opts = pulumi.InvokeOutputOptions(depends_on=DEPENDS_ON_FORMS[form](Pending("pending")))
        return {"credits": get_credit_balance_output(ACCOUNT, opts), "control": get_credit_balance_output(OTHER)}

    run = run_program(api, program, config=stack_config, preview=True)

    assert run.outputs["credits"] == (False, None)
    assert run.known("control")["account_id"] == OTHER
    assert api.request_count(ACCOUNT) == 0


def test_depends_on_a_component_counts_once_registered_and_its_listed_children_are_awaited(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    # Pulumi has no public way to list a component's children (see _dependencies_gate): a program
    # that must wait for them lists them, and the component alone gates on its registration only.
    def program() -> dict[str, Any]:
        component = pulumi.ComponentResource("test:index:Component", "component")
        child = Pending("child", pulumi.ResourceOptions(parent=component))
        waits = pulumi.InvokeOutputOptions(depends_on=[component, child])
        registered = pulumi.InvokeOutputOptions(depends_on=[component])
        return {
            "credits": get_credit_balance_output(ACCOUNT, waits),
            "other": get_credit_balance_output(OTHER, registered),
        }

    run = run_program(api, program, config=stack_config, preview=True)

    assert run.outputs["credits"] == (False, None)
    assert api.request_count(ACCOUNT) == 0
    assert as_plain(run.known("other"))["account_id"] == OTHER


def test_depends_on_reads_after_the_dependency_exists(api: FakeCloudflareAPI, stack_config: dict[str, str]) -> None:
    def top_up(args: pulumi.runtime.MockResourceArgs) -> None:
        if args.name == "top-up":
            api.accounts[ACCOUNT].balance_cents = 10_000  # creating the dependency changes the balance

    mocks = RecordingMocks(api, preview=False, on_register=top_up)

    def program() -> dict[str, Any]:
        opts = pulumi.InvokeOutputOptions(depends_on=[Thing("top-up")])
        return {"credits": get_credit_balance_output(ACCOUNT, opts)}

    run = run_program(api, program, config=stack_config, mocks=mocks)

    assert run.known("credits")["balance_usd"] == 100
    assert mocks.requests_at_registration["top-up"] == 0
    assert api.request_count(ACCOUNT) == 1


# -- where settings come from ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "config", "env"),
    [
        pytest.param(ARG_TOKEN, "wrong-config-token", "wrong-env-token", id="argument-beats-config-and-env"),
        pytest.param(None, SENTINEL, "wrong-env-token", id="config-beats-env"),
        pytest.param(None, None, ENV_TOKEN, id="env-last"),
    ],
)
def test_the_token_comes_from_the_argument_then_stack_config_then_the_environment(
    api: FakeCloudflareAPI,
    monkeypatch: pytest.MonkeyPatch,
    argument: str | None,
    config: str | None,
    env: str,
) -> None:
    api.add_token(ARG_TOKEN)
    api.add_token(ENV_TOKEN)  # only the token of the winning layer is valid: the others would get a 401
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", env)
    stack_config = {"cloudflare:baseUrl": api.base_url} | ({"cloudflare:apiToken": config} if config else {})

    def program() -> dict[str, Any]:
        return {"sync": get_credit_balance(ACCOUNT, api_token=argument),
                "output": get_credit_balance_output(ACCOUNT, api_token=argument)}  # fmt: skip

    run = run_program(api, program, config=stack_config)

    assert run.known("sync")["balance_usd"] == run.known("output")["balance_usd"] == 49.995


@pytest.mark.parametrize(
    ("argument", "config"),
    [
        pytest.param("wrong-argument-token", SENTINEL, id="a-wrong-argument-is-not-rescued-by-config"),
        pytest.param(None, "wrong-config-token", id="a-wrong-config-is-not-rescued-by-env"),
    ],
)
def test_a_higher_layer_wins_even_when_it_is_wrong(
    api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch, argument: str | None, config: str
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL)

    with pytest.raises(pulumi.RunError) as caught:
        run_program(
            api,
            lambda: {"sync": get_credit_balance(ACCOUNT, api_token=argument)},
            config={"cloudflare:apiToken": config, "cloudflare:baseUrl": api.base_url},
        )
    assert isinstance(caught.value.__cause__, AuthenticationError)
    assert str(caught.value).startswith("get_credit_balance: ")
    assert "\n" not in str(caught.value)
    assert SENTINEL not in str(caught.value)
    assert [r.auth_kind for r in api.requests] == ["token"]


def test_a_global_key_in_stack_config_beats_a_token_in_the_environment(
    api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.add_global_key("ops@example.com", "global-key-77")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL)
    config = {
        "cloudflare:apiKey": "global-key-77",
        "cloudflare:email": "ops@example.com",
        "cloudflare:baseUrl": api.base_url,
    }

    run = run_program(api, lambda: {"credits": get_credit_balance_output(ACCOUNT)}, config=config)

    assert run.known("credits")["balance_usd"] == 49.995
    assert [r.auth_kind for r in api.requests] == ["global_key"]


LAYERS = ("argument", "config", "env")


@pytest.mark.parametrize("winner", LAYERS)
def test_the_base_url_comes_from_the_argument_then_stack_config_then_the_environment(
    api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch, winner: str
) -> None:
    # Layers above the winner are unset; those below point at the fake under a path it does not
    # serve, so reading through one of them would be a 404.
    wrong = api.base_url.replace("/client/v4", "/wrong/v4")
    rank = LAYERS.index(winner)
    url = {layer: None if i < rank else api.base_url if i == rank else wrong for i, layer in enumerate(LAYERS)}
    config = {"cloudflare:apiToken": SENTINEL} | ({"cloudflare:baseUrl": url["config"]} if url["config"] else {})
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", str(url["env"]))

    run = run_program(api, lambda: {"sync": get_credit_balance(ACCOUNT, base_url=url["argument"])}, config=config)

    assert run.known("sync")["balance_usd"] == 49.995
    assert [r.path.split("/")[1] for r in api.requests] == ["client"]


@pytest.mark.parametrize(
    ("argument", "config", "env", "expected"),
    [
        pytest.param(OTHER, ACCOUNT, ACCOUNT, OTHER, id="argument-beats-config-and-env"),
        pytest.param(None, OTHER, ACCOUNT, OTHER, id="config-beats-env"),
        pytest.param(None, None, OTHER, OTHER, id="env-last"),
    ],
)
def test_the_account_comes_from_the_argument_then_stack_config_then_the_environment(
    api: FakeCloudflareAPI,
    stack_config: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    argument: str | None,
    config: str | None,
    env: str,
    expected: str,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", env)
    config_with_account = stack_config | ({"cf-billing:accountId": config} if config else {})

    def program() -> dict[str, Any]:
        return {"sync": get_credit_balance(argument), "output": get_credit_balance_output(argument),
                "guard": CreditBalanceGuard("guard", floor_usd=1, account_id=argument).account_id}  # fmt: skip

    run = run_program(api, program, config=config_with_account)

    assert run.known("sync")["account_id"] == run.known("output")["account_id"] == expected
    assert run.known("guard") == expected


# -- CreditBalanceGuard -----------------------------------------------------------------------


def test_the_guard_registers_its_options_and_no_credential(
    api: FakeCloudflareAPI, stack_config: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL)  # credentials everywhere a program can find them
    config = stack_config | {"cf-billing:accountId": ACCOUNT}

    def program() -> None:
        CreditBalanceGuard("guard", floor_usd=50, require_auto_topup=True, min_runway_days=7, on_error="warn")

    run = run_program(api, program, config=config)

    [guard] = [r for r in run.mocks.registered if r.typ == GUARD_TYPE]
    assert (guard.name, guard.custom) == ("guard", True)
    provider = guard.inputs.pop("__provider")
    observed = guard.inputs.pop("observed")
    assert json.loads(observed["result"], parse_float=Decimal)["balance"] == Decimal("4999.5")  # judged by the provider
    assert SENTINEL not in repr(observed)
    assert guard.inputs == {
        "account_id": ACCOUNT,
        "floor_usd": 50,
        "require_auto_topup": True,
        "min_runway_days": 7,
        "on_breach": "fail",
        "on_error": "warn",
        "credentials_namespace": "cloudflare",
    }
    assert SENTINEL not in repr(guard.inputs)
    assert isinstance(provider, str)  # not a secret: it holds nothing worth hiding
    assert_pickled_by_reference(provider)
    assert api.request_count() == 1  # read once in the program; check() judges that reading


def assert_pickled_by_reference(serialized: str) -> None:
    raw = base64.b64decode(serialized, validate=True)
    assert SENTINEL.encode() not in raw
    assert len(raw) < 200, f"the provider was pickled by value ({len(raw)} bytes), not by reference"
    strings = [arg for _, arg, _ in pickletools.genops(raw) if isinstance(arg, str)]
    assert strings == ["pulumi_cf_billing._pulumi._guard_provider", "CreditBalanceGuardProvider"]
    provider = dill.loads(raw)  # noqa: S301  # bytes this test just produced
    assert type(provider) is CreditBalanceGuardProvider
    assert vars(provider) == {}


def test_the_guard_uses_its_credentials_namespace_and_account_argument(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    # Every key of the namespace set: with no billing-b:baseUrl this test once sent its token to Cloudflare.
    config = stack_config | {
        "cf-billing:accountId": ACCOUNT,
        "billing-b:apiToken": SENTINEL,
        "billing-b:baseUrl": api.base_url,
    }

    def program() -> None:
        CreditBalanceGuard("guard", floor_usd="$12.50", account_id=OTHER, credentials_namespace="billing-b")

    run = run_program(api, program, config=config)

    assert api.request_count(OTHER) == 1  # read from the fake through billing-b's settings
    [guard] = [r for r in run.mocks.registered if r.typ == GUARD_TYPE]
    assert guard.inputs["account_id"] == OTHER
    assert guard.inputs["floor_usd"] == "$12.50"
    assert guard.inputs["credentials_namespace"] == "billing-b"
    assert SENTINEL not in repr(guard.inputs)


@pytest.mark.parametrize(("status", "warned"), [("breach", True), ("unreadable", True), ("ok", False)])
def test_the_guard_warns_in_the_program_when_the_provider_reports_a_problem(
    api: FakeCloudflareAPI,
    stack_config: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    status: str,
    warned: bool,
) -> None:
    message = f"CreditBalanceGuard: the provider says {status}"
    mocks = RecordingMocks(api, preview=False, guard_outputs={"status": status, "message": message})
    logger = logging.getLogger("test_pulumi_mocks.engine")

    def program() -> dict[str, Any]:
        guard = CreditBalanceGuard("guard", floor_usd=50, account_id=ACCOUNT, on_breach="warn", on_error="warn")
        return {"status": guard.status}

    with caplog.at_level(logging.WARNING, logger=logger.name):
        run = run_program(api, program, config=stack_config, mocks=mocks, logger=logger)

    assert run.known("status") == status
    assert (message in caplog.messages) is warned


# -- require_credit_balance -------------------------------------------------------------------


def test_require_credit_balance_stops_the_program_with_one_line_below_the_floor(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run_program(api, lambda: {"required": require_credit_balance(50, ACCOUNT)}, config=stack_config)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("require_credit_balance: ")
    assert ACCOUNT in message
    assert "balance $49.995 is below the floor $50.00" in message
    assert "auto top-up $20.00 when under $10.00" in message
    assert SENTINEL not in message
    assert "Traceback" not in message


def test_require_credit_balance_lets_a_balance_exactly_at_the_floor_through(
    api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    run = run_program(api, lambda: {"required": require_credit_balance("$49.995", ACCOUNT)}, config=stack_config)

    balance = run.known("required")
    assert isinstance(balance, CreditBalance)
    assert balance.balance_usd == Decimal("49.995")


@pytest.mark.parametrize(
    ("setup", "floor", "expected"),
    [
        pytest.param(lambda api: api.add_account(ACCOUNT, 9000, disabled_reason="card_declined"), 50,
                     "threshold at or above the floor (balance $90.00, floor $50.00", id="auto-top-up-disabled"),
        pytest.param(lambda api: api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error")), 50,
                     f"of account {ACCOUNT}", id="unreadable"),
        pytest.param(lambda api: None, "lots", "floor_usd must be a number of US dollars", id="bad-floor"),
    ],
)  # fmt: skip
def test_require_credit_balance_raises_run_error_for_every_reason_to_stop(
    api: FakeCloudflareAPI,
    stack_config: dict[str, str],
    setup: Callable[[FakeCloudflareAPI], object],
    floor: Any,
    expected: str,
) -> None:
    setup(api)

    def program() -> dict[str, Any]:
        return {"required": require_credit_balance(floor, ACCOUNT, require_auto_topup=True)}

    with pytest.raises(pulumi.RunError) as caught:
        run_program(api, program, config=stack_config)

    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert SENTINEL not in message
