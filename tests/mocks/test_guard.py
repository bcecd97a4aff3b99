"""CreditBalanceGuard and require_credit_balance under Pulumi's mocks."""

from __future__ import annotations

import base64
import logging
import pickletools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import dill
import pulumi
import pulumi.runtime
import pytest

from pulumi_cf_billing import (
    CreditBalance,
    CreditBalanceGuard,
    require_credit_balance,
)
from pulumi_cf_billing._pulumi._dynamic_provider import CreditBalanceGuardProvider
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from ..conftest import ACCOUNT
from ..conftest import OTHER_ACCOUNT as OTHER
from .conftest import (
    GUARD_TYPE,
    SENTINEL,
    RecordingMocks,
    run_program,
)

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
    verdict = guard.inputs.pop("verdict")
    assert verdict["outputs"]["balance_usd"] == 49.995  # judged in the program; check() reports it
    assert (verdict["outputs"]["status"], verdict["stops_deploy"]) == ("breach", True)  # on_error does not soften it
    assert SENTINEL not in repr(verdict)
    assert guard.inputs == {
        "account_id": ACCOUNT,
        "floor_usd": 50,
        "require_auto_topup": True,
        "topup_failure_window_days": 3,
        "min_runway_days": 7,
        "runway_window_days": 7,
        "require_spending_limit": False,
        "on_breach": "fail",
        "on_error": "warn",
        "credentials_namespace": "cloudflare",
    }
    assert SENTINEL not in repr(guard.inputs)
    assert isinstance(provider, str)  # not a secret: it holds nothing worth hiding
    assert_pickled_by_reference(provider)
    # Read once each in the program (balance, and usage for the runway rule), and judged there.
    assert api.request_count(ACCOUNT, "credit-balance") == api.request_count(ACCOUNT, "usage-history") == 1
    assert api.request_count() == 2


def assert_pickled_by_reference(serialized: str) -> None:
    raw = base64.b64decode(serialized, validate=True)
    assert SENTINEL.encode() not in raw
    assert len(raw) < 200, f"the provider was pickled by value ({len(raw)} bytes), not by reference"
    strings = [arg for _, arg, _ in pickletools.genops(raw) if isinstance(arg, str)]
    assert strings == ["pulumi_cf_billing._pulumi._dynamic_provider", "CreditBalanceGuardProvider"]
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
        CreditBalanceGuard("guard", floor_usd="12.50", account_id=OTHER, credentials_namespace="billing-b")

    run = run_program(api, program, config=config)

    assert api.request_count(OTHER) == 1  # read from the fake through billing-b's settings
    [guard] = [r for r in run.mocks.registered if r.typ == GUARD_TYPE]
    assert guard.inputs["account_id"] == OTHER
    assert guard.inputs["floor_usd"] == "12.50"
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
    run = run_program(api, lambda: {"required": require_credit_balance("49.995", ACCOUNT)}, config=stack_config)

    balance = run.known("required")
    assert isinstance(balance, CreditBalance)
    assert balance.balance_usd == Decimal("49.995")


@pytest.mark.parametrize(
    ("setup", "floor", "expected"),
    [
        pytest.param(lambda api: api.add_account(ACCOUNT, 9000, disabled_reason="card_declined"), 50,
                     "auto top-up would not work: it is disabled (card_declined) (balance $90.00, floor $50.00)",
                     id="auto-top-up-disabled"),
        pytest.param(lambda api: api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error")), 50,
                     f"of account {ACCOUNT}", id="unreadable"),
        pytest.param(lambda api: None, "lots", "floor_usd must be a plain non-negative number", id="bad-floor"),
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
