"""get_credit_balance and get_credit_balance_output under Pulumi's mocks: results, sharing, depends_on."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from pulumi import _types as pulumi_types

from pulumi_cf_billing import (
    AwaitableGetCreditBalanceResult,
    GetCreditBalanceResult,
    get_credit_balance,
    get_credit_balance_output,
    require_credit_balance,
)
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from ..conftest import ACCOUNT
from ..conftest import OTHER_ACCOUNT as OTHER
from .conftest import (
    EXPECTED_ACCOUNT,
    SENTINEL,
    Computed,
    Pending,
    ProgramRun,
    RecordingMocks,
    Thing,
    as_plain,
    own_event_loop,
    run_program,
)

# -- get_credit_balance_output and get_credit_balance ------------------------------------


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
        "enabled": False,  # said even when auto top-up is off: never an empty {}
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
