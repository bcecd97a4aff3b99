"""Changing an account while the fake runs: ``change_account`` and the control endpoint beside the API root."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault
from pulumi_cf_billing.testing._changes import KNOBS
from pulumi_cf_billing.testing._control import control_response
from pulumi_cf_billing.testing._faults import FAULT_NAMES
from pulumi_cf_billing.testing._server import IncomingRequest, RequestCredentials

from .conftest import ACCOUNT, AUTH, OTHER, assert_error, get

USAGE = f"/accounts/{ACCOUNT}/ai-gateway/billing/usage-history?value_grouping_window=day"


@pytest.fixture
def control(api: FakeCloudflareAPI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.control_url, timeout=5.0) as client:
        yield client


def post(control: httpx.Client, changes: Any, account_id: str = ACCOUNT) -> httpx.Response:
    return control.post(f"/accounts/{account_id}", json=changes)


def now_ms() -> int:
    return int(time.time() * 1000)


def test_the_control_url_is_beside_the_api_root(api: FakeCloudflareAPI) -> None:
    assert api.control_url == api.base_url.removesuffix("/client/v4") + "/_fake"


def test_a_posted_balance_is_served_at_once_and_echoed(
    api: FakeCloudflareAPI, client: httpx.Client, control: httpx.Client
) -> None:
    response = post(control, {"balance_cents": 999})

    assert response.status_code == 200
    assert response.json()["result"] == {
        "account_id": ACCOUNT,
        "balance_cents": 999,
        "spend_usd_per_day": 0,
        "topup_amount_cents": 2000,
        "topup_threshold_cents": 1000,
        "topup_error": None,
        "last_failed_at_ms": None,
        "has_default_payment_method": True,
    }
    assert get(client).json()["result"]["balance"] == 999
    assert api.requests[-1].method == "GET"  # control requests are not API traffic: not recorded
    assert len(api.requests) == 1


def test_amounts_arrive_as_json_numbers_or_plain_text(api: FakeCloudflareAPI, control: httpx.Client) -> None:
    post(control, {"balance_cents": "4999.5", "spend_usd_per_day": 12.5})

    account = api.accounts[ACCOUNT]
    assert (account.balance_cents, account.spend_usd_per_day) == (Decimal("4999.5"), Decimal("12.5"))


def test_spend_per_day_is_served_as_usage(api: FakeCloudflareAPI, client: httpx.Client, control: httpx.Client) -> None:
    post(control, {"spend_usd_per_day": 24})

    history = client.get(USAGE, headers=AUTH).json()["result"]["history"]

    assert [bucket["aggregated_value"] for bucket in history[:-1]] == [24] * (len(history) - 1)


def test_a_failing_topup_carries_its_error_and_when_in_epoch_ms(
    api: FakeCloudflareAPI, client: httpx.Client, control: httpx.Client
) -> None:
    before = now_ms()
    post(control, {"topup_error": "Your card was declined.", "has_default_payment_method": False})
    after = now_ms()

    result = get(client).json()["result"]
    assert result["topup_config"]["error"] == "Your card was declined."
    assert before <= result["topup_config"]["lastFailedAt"] <= after
    assert (result["has_default_payment_method"], result["payment_method"]) == (False, None)

    post(control, {"topup_error": None, "has_default_payment_method": True})

    result = get(client).json()["result"]
    assert (result["topup_config"]["error"], result["topup_config"]["lastFailedAt"]) == (None, None)
    assert (result["has_default_payment_method"], result["payment_method"]["last4"]) == (True, "4242")


def test_topup_amounts_can_be_set_and_cleared(
    api: FakeCloudflareAPI, client: httpx.Client, control: httpx.Client
) -> None:
    post(control, {"topup_amount_cents": 3000, "topup_threshold_cents": "1500"})
    assert get(client).json()["result"]["topup_config"]["amount"] == 3000

    post(control, {"topup_amount_cents": None, "topup_threshold_cents": None})

    config = get(client).json()["result"]["topup_config"]
    assert (config["amount"], config["threshold"]) == (None, None)


def test_a_fault_lasts_until_changed(api: FakeCloudflareAPI, client: httpx.Client, control: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.drop_connection(), times=1)
    post(control, {"fault": "server_error"})  # replaces what was injected

    assert [get(client).status_code for _ in range(3)] == [502, 502, 502]

    post(control, {"fault": None})

    assert get(client).status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"balance_cents": "$5"},
            "balance_cents of account " + ACCOUNT + " must be a plain non-negative number of US cents",
        ),
        ({"balance_cents": -1}, "balance_cents of account"),
        ({"balance_cents": True}, "balance_cents of account"),
        ({"spend_usd_per_day": "1,000"}, "spend_usd_per_day of account " + ACCOUNT + " must be a plain"),
        ({"topup_amount_cents": "NaN"}, "topup_amount_cents of account"),
        ({"topup_error": ""}, "topup_error of account " + ACCOUNT + " must be the error's text"),
        ({"topup_error": "x" * 501}, "(1 to 500 characters)"),
        ({"has_default_payment_method": "false"}, "must be true or false"),
        ({"fault": "meltdown"}, "unknown fault 'meltdown'; expected one of: drop_connection"),
        ({"fault": 502}, "fault of account " + ACCOUNT + " must be a fault's name"),
        ({"balance": 999}, "unknown change 'balance' for account " + ACCOUNT + "; known: balance_cents"),
    ],
)
def test_a_bad_change_is_a_400_naming_it_and_changes_nothing(
    api: FakeCloudflareAPI, control: httpx.Client, changes: dict[str, Any], message: str
) -> None:
    [error] = assert_error(post(control, {"spend_usd_per_day": 5, **changes}), 400, 10400)

    assert message in error["message"]
    assert api.accounts[ACCOUNT].spend_usd_per_day == 0  # all or nothing
    assert api.errors == []


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1]", b'"text"', b"\xff", b"[" * 100_000, b'{"balance_cents": ' + b"9" * 5000 + b"}"]
)
def test_a_body_that_is_not_a_json_object_is_a_400(api: FakeCloudflareAPI, control: httpx.Client, body: bytes) -> None:
    response = control.post(f"/accounts/{ACCOUNT}", content=body)

    [error] = assert_error(response, 400, 10400)
    assert "JSON object" in error["message"]
    assert api.errors == []


def test_an_account_not_served_is_a_404(api: FakeCloudflareAPI, control: httpx.Client) -> None:
    [error] = assert_error(post(control, {"balance_cents": 1}, OTHER), 404, 7003)

    assert error["message"].startswith(f"no account '{OTHER}' is served")
    assert OTHER not in api.accounts


@pytest.mark.parametrize("path", ["/_fake", "/_fake/", "/_fake/accounts", f"/_fake/accounts/{ACCOUNT}/balance"])
def test_other_control_paths_have_no_route(api: FakeCloudflareAPI, path: str) -> None:
    response = httpx.post(api.control_url.removesuffix("/_fake") + path, json={"balance_cents": 1})

    assert_error(response, 404, 7000)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_only_post_changes_an_account(api: FakeCloudflareAPI, control: httpx.Client, method: str) -> None:
    assert_error(control.request(method, f"/accounts/{ACCOUNT}"), 405, 10405)


def test_the_control_endpoint_is_unreachable_through_the_api_root(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    for path in (f"/_fake/accounts/{ACCOUNT}", f"/../_fake/accounts/{ACCOUNT}"):
        response = client.post(path, json={"balance_cents": 1})
        assert_error(response, 404, 7000)

    assert api.accounts[ACCOUNT].balance_cents == 5000


def test_a_peer_off_loopback_is_refused_with_403(api: FakeCloudflareAPI) -> None:
    # A test cannot connect from off loopback (the suite refuses to leave it), so the flag the
    # server derives from the peer address is set here instead.
    request = IncomingRequest("POST", f"/_fake/accounts/{ACCOUNT}", RequestCredentials(), b"{}", from_loopback=False)

    response = control_response(request, api.change_account)

    assert (response.status, b'"code":10403' in response.body) == (403, True)


def test_change_account_is_the_same_knobs_in_python(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    account = api.change_account(ACCOUNT, {"balance_cents": 1, "topup_error": "insufficient funds"})

    assert account is api.accounts[ACCOUNT]
    assert get(client).json()["result"]["topup_config"]["error"] == "insufficient funds"
    with pytest.raises(LookupError, match="is served"):
        api.change_account(OTHER, {"balance_cents": 1})
    with pytest.raises(ValueError, match="balance_cents of account"):
        api.change_account(ACCOUNT, {"balance_cents": "one"})


def test_every_knob_has_a_parser_and_every_named_fault_is_built() -> None:
    assert KNOBS == (
        "balance_cents",
        "spend_usd_per_day",
        "topup_amount_cents",
        "topup_threshold_cents",
        "topup_error",
        "has_default_payment_method",
        "fault",
    )
    assert all(isinstance(Fault.named(name), Fault) for name in FAULT_NAMES)
    assert Fault.named("server_error") == Fault.server_error()
    with pytest.raises(ValueError, match="unknown fault a 60-character value; expected one of"):
        Fault.named("x" * 60)
