"""Hostile requests to the fake: odd query numbers are 400s, oversized bodies 413s unread; never a 500 or a hang."""

from __future__ import annotations

import json
import socket
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT, AUTH, TOKEN, assert_error, route

USAGE = f"/accounts/{ACCOUNT}/ai-gateway/billing/usage-history"
MIB = 2**20


def usage(client: httpx.Client, query: str) -> httpx.Response:
    return client.get(f"{USAGE}?value_grouping_window=day&{query}", headers=AUTH)


@pytest.mark.parametrize(
    "value",
    [
        "%C2%B2",  # "²": str.isdigit() says yes, int() says no
        "%D9%A3",  # "٣", an Arabic-Indic digit int() would accept
        "5" * 5000,  # more digits than int() converts
        "1" * 16,  # one digit over the bound
        "1_000",
        "+1",
        "-1",
        "1e3",
        "%20123",
        "%FF",  # not UTF-8
    ],
)
@pytest.mark.parametrize("name", ["start_time", "end_time"])
def test_a_bad_query_number_is_a_400_naming_it(
    api: FakeCloudflareAPI, client: httpx.Client, name: str, value: str
) -> None:
    [error] = assert_error(usage(client, f"{name}={value}"), 400, 10001)

    assert error["message"].startswith(f"{name}: Expected epoch milliseconds, 1 to 15 ASCII digits")
    assert api.errors == []


def test_fifteen_digits_are_a_number(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    far = "9" * 15

    response = usage(client, f"start_time={far}&end_time={far}")

    assert response.status_code == 200
    [bucket] = response.json()["result"]["history"]
    assert bucket["start_time"] <= int(far) < bucket["end_time"]


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=40))
def test_any_query_value_is_answered_200_or_400(api: FakeCloudflareAPI, client: httpx.Client, value: str) -> None:
    response = usage(client, f"start_time={quote(value)}&end_time={quote(value)}")

    assert response.status_code in (200, 400)
    assert api.errors == []


def raw_exchange(api: FakeCloudflareAPI, head: str, body: bytes = b"") -> bytes:
    """Send ``head`` (and ``body``) on a fresh connection; return everything received until the fake closes it."""
    url = httpx.URL(api.base_url)
    with socket.create_connection((url.host, url.port), timeout=5) as sock:
        sock.sendall(head.encode() + body)
        return b"".join(iter(lambda: sock.recv(65536), b""))


@pytest.mark.parametrize("path", [f"/client/v4{route()}", f"/_fake/accounts/{ACCOUNT}"])
def test_a_body_over_1_mib_is_refused_413_before_it_is_sent(api: FakeCloudflareAPI, path: str) -> None:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 1200000000\r\n\r\n"

    received = raw_exchange(api, head)  # headers only: the fake answers without waiting for the body

    head_received, _, body = received.partition(b"\r\n\r\n")
    assert head_received.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["errors"][0]["code"] == 10413
    assert api.requests == []
    assert api.accounts[ACCOUNT].balance_cents == 5000


def test_one_byte_over_1_mib_is_too_large(api: FakeCloudflareAPI) -> None:
    head = f"POST /_fake/accounts/{ACCOUNT} HTTP/1.1\r\nHost: x\r\nContent-Length: {MIB + 1}\r\n\r\n"

    assert raw_exchange(api, head).startswith(b"HTTP/1.1 413 ")


def test_a_body_of_1_mib_is_read_and_the_connection_reused(api: FakeCloudflareAPI) -> None:
    body = b'{"balance_cents": 999' + b" " * (MIB - 22) + b"}"
    post = f"POST /_fake/accounts/{ACCOUNT} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    get = f"GET /client/v4{route()} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"

    received = raw_exchange(api, post, body + get.encode())

    assert len(body) == MIB
    assert received.count(b"HTTP/1.1 200 ") == 2
    assert b'"balance":999' in received


@pytest.mark.parametrize("length", ["1_000", "-1", "+5", "\u0663", "9" * 20, "ten"])
def test_a_malformed_content_length_is_a_400(api: FakeCloudflareAPI, length: str) -> None:
    head = f"POST /_fake/accounts/{ACCOUNT} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"

    received = raw_exchange(api, head)

    assert received.startswith(b"HTTP/1.1 400 ")
    assert b'"code":10400' in received
    assert api.errors == []
