"""The fake Cloudflare API serving, routing, authenticating, counting and rate-limiting, over real sockets."""

from __future__ import annotations

import http.client
import re

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault, RecordedRequest
from pulumi_cf_billing.testing._rate_limit import SlidingWindow as _SlidingWindow

from .conftest import ACCOUNT, AUTH, EMAIL, GLOBAL_KEY, OTHER, RAY, TOKEN, assert_error, get, route

# -- success ------------------------------------------------------------------------------------


def test_success_envelope(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    response = get(client)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert RAY.fullmatch(response.headers["cf-ray"])
    assert response.json() == {
        "success": True,
        "errors": [],
        "messages": [],
        "result": {
            "balance": 5000,
            "has_default_payment_method": True,
            "payment_method": {"brand": "visa", "last4": "4242"},
            "topup_config": {
                "amount": 2000,
                "threshold": 1000,
                "disabledReason": None,
                "error": None,
                "lastFailedAt": None,
            },
            "first_topup_success": True,
        },
        "result_info": {"has_more": False, "page": 1, "per_page": 1, "total_count": 1},
    }


def test_account_options_shape_the_result(fake_cloudflare_api: FakeCloudflareAPI, client: httpx.Client) -> None:
    fake_cloudflare_api.add_token(TOKEN)
    fake_cloudflare_api.add_account(
        ACCOUNT,
        12.25,
        has_default_payment_method=False,
        payment_method=None,
        topup_amount_cents=None,
        topup_threshold_cents=None,
        disabled_reason="card declined",
        topup_error="insufficient funds",
        last_failed_at_ms=1_700_000_000_000,
        first_topup_success=None,
        extra_fields={"spend_alert": True, "has_default_payment_method": "overridden"},
    )

    result = get(client).json()["result"]

    assert result == {
        "balance": 12.25,
        "has_default_payment_method": "overridden",
        "payment_method": None,
        "topup_config": {
            "amount": None,
            "threshold": None,
            "disabledReason": "card declined",
            "error": "insufficient funds",
            "lastFailedAt": 1_700_000_000_000,
        },
        "spend_alert": True,
    }


def test_integral_float_cents_go_on_the_wire_as_integers(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.accounts[ACCOUNT].balance_cents = 5000.0
    api.accounts[ACCOUNT].topup_amount_cents = 1500.0

    text = get(client).text

    assert '"balance":5000,' in text
    assert '"amount":1500,' in text


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(balance=st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_balance_round_trips(api: FakeCloudflareAPI, client: httpx.Client, balance: float) -> None:
    # The function-scoped fixtures are shared by all examples on purpose: each example only
    # overwrites the balance before reading it back.
    api.accounts[ACCOUNT].balance_cents = balance

    assert get(client).json()["result"]["balance"] == balance


def test_changes_to_an_account_show_on_the_next_request(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    assert get(client).json()["result"]["balance"] == 5000

    api.accounts[ACCOUNT].balance_cents = 4999.5

    assert get(client).json()["result"]["balance"] == 4999.5


def test_every_response_has_a_unique_cf_ray(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.server_error(), times=1)
    responses = [get(client), get(client), get(client, headers={}), client.get("/nowhere")]

    rays = [response.headers["cf-ray"] for response in responses]

    assert all(RAY.fullmatch(ray) for ray in rays)
    assert len(set(rays)) == len(rays)


def test_keep_alive_serves_several_requests_on_one_connection(api: FakeCloudflareAPI) -> None:
    url = httpx.URL(api.base_url)
    connection = http.client.HTTPConnection(url.host, url.port, timeout=5)
    try:
        sockets, statuses = [], []
        for _ in range(2):
            connection.request("GET", f"{url.path}{route()}", headers=AUTH)
            response = connection.getresponse()
            response.read()
            sockets.append(connection.sock)
            statuses.append(response.status)
        assert statuses == [200, 200]
        assert sockets[0] is sockets[1] is not None
    finally:
        connection.close()


# -- routing and authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/user/tokens/verify",
        f"/accounts/{ACCOUNT}/ai-gateway/billing/topup",
        f"/accounts/{ACCOUNT}/ai-gateway/billing/credit-balance/",
    ],
)
def test_other_paths_have_no_route(api: FakeCloudflareAPI, client: httpx.Client, path: str) -> None:
    errors = assert_error(client.get(path, headers=AUTH), 404, 7000)

    assert errors[0]["message"] == "No route for that URI"


def test_route_is_checked_before_credentials(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    assert_error(client.get("/nowhere"), 404, 7000)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_not_allowed(api: FakeCloudflareAPI, client: httpx.Client, method: str) -> None:
    response = client.request(method, route(), headers=AUTH, json={"amount": 1000})

    errors = assert_error(response, 405, 10405)
    assert errors[0]["message"] == "Method not allowed"


def test_head_is_refused_without_a_body(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    response = client.head(route(), headers=AUTH)

    assert response.status_code == 405
    assert response.content == b""
    assert get(client).status_code == 200  # the connection is still in step


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Key": GLOBAL_KEY}, {"X-Auth-Email": EMAIL}])
def test_missing_credentials(api: FakeCloudflareAPI, client: httpx.Client, headers: dict[str, str]) -> None:
    errors = assert_error(get(client, headers=headers), 400, 9106)

    assert errors[0]["message"] == "Missing X-Auth-Key, X-Auth-Email or Authorization headers"


@pytest.mark.parametrize("value", [TOKEN, f"Token {TOKEN}", "Bearer", f"Bearer {TOKEN} extra", "Basic eA=="])
def test_malformed_authorization_header(api: FakeCloudflareAPI, client: httpx.Client, value: str) -> None:
    errors = assert_error(get(client, headers={"Authorization": value}), 400, 6003, 6111)

    assert [error["message"] for error in errors] == [
        "Invalid request headers",
        "Invalid format for Authorization header",
    ]


def test_bearer_scheme_is_case_insensitive(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    assert get(client, headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_unknown_token(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    errors = assert_error(get(client, headers={"Authorization": "Bearer not-a-known-token"}), 401, 9109)

    assert errors[0]["message"] == "Invalid access token"


def test_global_key(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.add_global_key(EMAIL, GLOBAL_KEY)

    response = get(client, headers={"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY})

    assert response.status_code == 200


@pytest.mark.parametrize(("email", "key"), [(EMAIL, "wrong-key"), ("someone@example.com", GLOBAL_KEY)])
def test_unknown_global_key(api: FakeCloudflareAPI, client: httpx.Client, email: str, key: str) -> None:
    api.add_global_key(EMAIL, GLOBAL_KEY)

    errors = assert_error(get(client, headers={"X-Auth-Email": email, "X-Auth-Key": key}), 403, 9103)

    assert errors[0]["message"] == "Unknown X-Auth-Key or X-Auth-Email"


def test_a_token_is_judged_before_a_global_key(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.add_global_key(EMAIL, GLOBAL_KEY)
    good_key = {"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY}

    with_bad_key = get(client, headers={**AUTH, "X-Auth-Email": EMAIL, "X-Auth-Key": "wrong"})
    with_bad_token = get(client, headers={"Authorization": "Bearer unknown", **good_key})

    assert with_bad_key.status_code == 200
    assert_error(with_bad_token, 401, 9109)


# -- accounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("account_id", ["abc", ACCOUNT.upper(), ACCOUNT + "0", "0123456789abcdef0123456789abcdeg"])
def test_malformed_account_id(api: FakeCloudflareAPI, client: httpx.Client, account_id: str) -> None:
    errors = assert_error(get(client, account_id), 404, 7003)

    assert errors[0]["message"] == (
        f"Could not route to /accounts/{account_id}/ai-gateway/billing/credit-balance, "
        "perhaps your object identifier is invalid?"
    )


def test_unknown_account(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    errors = assert_error(get(client, OTHER), 404, 7003)

    assert OTHER in errors[0]["message"]


def test_credentials_limited_to_other_accounts(fake_cloudflare_api: FakeCloudflareAPI, client: httpx.Client) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_account(OTHER)
    fake_cloudflare_api.add_token(TOKEN, accounts=[OTHER])
    fake_cloudflare_api.add_global_key(EMAIL, GLOBAL_KEY, accounts=[OTHER])
    global_key = {"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY}

    errors = assert_error(get(client), 403, 10000)
    assert errors[0]["message"] == "Authentication error"
    assert_error(get(client, headers=global_key), 403, 10000)
    assert get(client, OTHER).status_code == 200
    assert get(client, OTHER, headers=global_key).status_code == 200


def test_a_token_for_every_account_covers_accounts_added_later(
    fake_cloudflare_api: FakeCloudflareAPI, client: httpx.Client
) -> None:
    fake_cloudflare_api.add_token(TOKEN)
    fake_cloudflare_api.add_account(ACCOUNT)

    assert get(client).status_code == 200


def test_add_account_refuses_ids_the_server_could_never_route(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    with pytest.raises(ValueError, match="32 lowercase hexadecimal"):
        fake_cloudflare_api.add_account(ACCOUNT.upper())


def test_credentials_refuse_a_single_string_as_accounts(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    with pytest.raises(TypeError, match="iterable of account ids"):
        fake_cloudflare_api.add_token(TOKEN, accounts=ACCOUNT)


# -- counting -------------------------------------------------------------------------------------


def test_requests_are_counted_and_recorded(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.add_global_key(EMAIL, GLOBAL_KEY)
    get(client)
    get(client, OTHER)
    get(client, headers={})
    get(client, headers={"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY})
    client.post(route(), headers=AUTH)
    client.get("/nowhere?page=2", headers=AUTH)

    assert api.request_count() == 5
    assert api.request_count(ACCOUNT) == 4
    assert api.request_count(OTHER) == 1
    assert api.requests == [
        RecordedRequest("GET", f"/client/v4{route()}", ACCOUNT, "token", "credit-balance"),
        RecordedRequest("GET", f"/client/v4{route(OTHER)}", OTHER, "token", "credit-balance"),
        RecordedRequest("GET", f"/client/v4{route()}", ACCOUNT, "none", "credit-balance"),
        RecordedRequest("GET", f"/client/v4{route()}", ACCOUNT, "global_key", "credit-balance"),
        RecordedRequest("POST", f"/client/v4{route()}", ACCOUNT, "token", "credit-balance"),
        RecordedRequest("GET", "/client/v4/nowhere?page=2", None, "token"),
    ]
    assert TOKEN not in repr(api.requests)
    assert GLOBAL_KEY not in repr(api.requests)


def test_wait_for_requests(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    assert api.wait_for_requests(1, timeout_s=0.01) is False
    get(client)
    assert api.wait_for_requests(1, timeout_s=0.01) is True


# -- rate limiting --------------------------------------------------------------------------------


def test_rate_limit(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.enforce_rate_limit(limit=3, window_s=300)

    responses = [get(client) for _ in range(4)]

    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    assert [r.headers["ratelimit"].split(";")[1] for r in responses] == ["r=2", "r=1", "r=0", "r=0"]
    assert all(r.headers["ratelimit-policy"] == '"default";q=3;w=300' for r in responses)
    assert_error(responses[3], 429, 971)
    assert 1 <= int(responses[3].headers["retry-after"]) <= 300
    assert re.fullmatch(r'"default";r=0;t=\d+', responses[3].headers["ratelimit"])


def test_rate_limit_is_per_credential(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.add_token("second-token")
    api.enforce_rate_limit(limit=1)

    assert get(client).status_code == 200
    assert get(client).status_code == 429
    assert get(client, headers={"Authorization": "Bearer second-token"}).status_code == 200


def test_rate_limit_comes_before_faults_and_counts_refusals(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.enforce_rate_limit(limit=2)
    api.inject(ACCOUNT, Fault.server_error())

    first, second, third = get(client), get(client, OTHER), get(client)

    assert first.status_code == 502
    assert "ratelimit" in first.headers
    assert_error(second, 404, 7003)
    assert_error(third, 429, 971)
    assert api.request_count() == 3


def test_no_rate_limit_headers_unless_enforced(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    response = get(client)

    assert "ratelimit" not in response.headers
    assert "ratelimit-policy" not in response.headers


def test_sliding_window_frees_slots_as_requests_age() -> None:
    now = [1000.0]
    window = _SlidingWindow(limit=2, window_s=10, clock=lambda: now[0])

    assert window.hit(("token", "a"))[0]
    now[0] += 4
    assert window.hit(("token", "a"))[0]
    allowed, headers = window.hit(("token", "a"))
    assert not allowed
    assert dict(headers)["Retry-After"] == "6"
    now[0] += 6
    allowed, headers = window.hit(("token", "a"))
    assert allowed
    assert dict(headers)["Ratelimit"] == '"default";r=0;t=4'
