"""The fake Cloudflare API's injected faults, exercised with raw httpx over real sockets."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, OTHER, TOKEN, assert_error, get, route

# -- faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "retry_after", "retry_after_ms"),
    [
        (Fault.rate_limited(), "1", None),
        (Fault.rate_limited("7", 6500), "7", "6500"),
        (Fault.rate_limited(None, 250), None, "250"),
        (Fault.rate_limited(None), None, None),
    ],
)
def test_rate_limited_fault(
    api: FakeCloudflareAPI,
    client: httpx.Client,
    fault: Fault,
    retry_after: str | None,
    retry_after_ms: str | None,
) -> None:
    api.inject(ACCOUNT, fault)

    response = get(client)

    errors = assert_error(response, 429, 971)
    assert errors[0]["message"] == "Please wait and consider throttling your request speed"
    assert response.headers.get("retry-after") == retry_after
    assert response.headers.get("retry-after-ms") == retry_after_ms


@pytest.mark.parametrize(
    ("status", "phrase"), [(502, "Bad Gateway"), (503, "Service Unavailable"), (522, "Connection Timed Out")]
)
def test_server_error_fault_is_an_html_page(
    api: FakeCloudflareAPI, client: httpx.Client, status: int, phrase: str
) -> None:
    api.inject(ACCOUNT, Fault.server_error(status))

    response = get(client)

    assert response.status_code == status
    assert response.reason_phrase == phrase
    assert response.headers["content-type"] == "text/html"
    assert response.text == f"<html><head><title>{status} {phrase}</title></head><body>cloudflare</body></html>"


def test_slow_fault_answers_normally_after_the_delay(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.slow(0.2))

    started = time.monotonic()
    response = get(client)

    assert time.monotonic() - started >= 0.2
    assert response.status_code == 200
    assert response.json()["result"]["balance"] == 5000


def test_drop_connection_fault(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.drop_connection(), times=1)

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        get(client)
    assert get(client).status_code == 200


def test_truncated_body_fault(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.truncated_body(), times=1)

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        get(client)
    assert get(client).status_code == 200


def test_truncated_body_sends_half_the_announced_body(api: FakeCloudflareAPI) -> None:
    api.inject(ACCOUNT, Fault.truncated_body())
    url = httpx.URL(api.base_url)

    with socket.create_connection((url.host, url.port), timeout=5) as sock:
        request = f"GET {url.path}{route()} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
        sock.sendall(request.encode())
        received = b"".join(iter(lambda: sock.recv(65536), b""))

    head, _, body = received.partition(b"\r\n\r\n")
    announced = re.search(rb"Content-Length: (\d+)", head)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert announced is not None
    assert len(body) == int(announced.group(1)) // 2


def test_not_json_fault(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.not_json())

    response = get(client)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == "<html>oops</html>"


@pytest.mark.parametrize(("fault", "code"), [(Fault.unsuccessful(), 10001), (Fault.unsuccessful(1234, "nope"), 1234)])
def test_unsuccessful_fault(api: FakeCloudflareAPI, client: httpx.Client, fault: Fault, code: int) -> None:
    api.inject(ACCOUNT, fault)

    assert_error(get(client), 200, code)


def test_null_result_fault(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.null_result())

    response = get(client)

    assert response.status_code == 200
    assert response.json() == {"success": True, "errors": [], "messages": [], "result": None}


def test_error_fault(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.error(409, 1234, "Conflict of interest"))

    errors = assert_error(get(client), 409, 1234)

    assert errors[0]["message"] == "Conflict of interest"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Fault.server_error(404), "between 500 and 599"),
        (lambda: Fault.error(99, 1, "x"), "between 200 and 599"),
        (lambda: Fault.slow(-1), "non-negative"),
    ],
)
def test_fault_constructors_refuse_nonsense(make: Callable[[], Fault], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_faults_apply_only_once_credentials_and_account_pass(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.server_error())
    api.inject(OTHER, Fault.server_error())

    assert_error(get(client, headers={}), 400, 9106)
    assert_error(get(client, OTHER), 404, 7003)
    assert get(client).status_code == 502


def test_faults_are_per_account(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.add_account(OTHER)
    api.inject(ACCOUNT, Fault.server_error())

    assert get(client, OTHER).status_code == 200
    assert get(client).status_code == 502


def test_times_limits_a_fault_to_the_next_requests(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.server_error(), times=2)

    assert [get(client).status_code for _ in range(4)] == [502, 502, 200, 200]


def test_injections_queue_up_in_order(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.rate_limited(), times=2)
    api.inject(ACCOUNT, Fault.server_error(503), times=1)

    assert [get(client).status_code for _ in range(4)] == [429, 429, 503, 200]


def test_a_fault_without_times_lasts_until_cleared(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.add_account(OTHER)
    api.inject(ACCOUNT, Fault.server_error())
    api.inject(OTHER, Fault.server_error())

    assert [get(client).status_code for _ in range(3)] == [502, 502, 502]
    api.clear_faults(ACCOUNT)
    assert (get(client).status_code, get(client, OTHER).status_code) == (200, 502)
    api.clear_faults()
    assert get(client, OTHER).status_code == 200


def test_times_holds_under_concurrent_requests(api: FakeCloudflareAPI) -> None:
    api.inject(ACCOUNT, Fault.server_error(), times=10)
    statuses: list[int] = []

    def hammer() -> None:
        with httpx.Client(base_url=api.base_url, timeout=5.0) as client:
            statuses.extend(get(client).status_code for _ in range(10))

    threads = [threading.Thread(target=hammer) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(statuses) == [200] * 40 + [502] * 10
    assert api.request_count(ACCOUNT) == 50


def test_inject_refuses_times_below_one(api: FakeCloudflareAPI) -> None:
    with pytest.raises(ValueError, match="times"):
        api.inject(ACCOUNT, Fault.server_error(), times=0)


def test_latency_delays_every_response(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.latency_s = 0.2

    started = time.monotonic()
    response = client.get("/nowhere")

    assert time.monotonic() - started >= 0.2
    assert response.status_code == 404
    with pytest.raises(ValueError, match="latency_s"):
        api.latency_s = -1
