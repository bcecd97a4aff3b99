"""The fake Cloudflare API's reset, error reporting, start and stop, and its public names."""

from __future__ import annotations

import re
import socket
import threading
import time

import httpx
import pytest

import pulumi_cf_billing.testing
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, AUTH, TOKEN, assert_error, get, route

pytest_plugins = ["pytester"]


# -- reset, errors, lifecycle ---------------------------------------------------------------------


def test_reset_empties_everything(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.inject(ACCOUNT, Fault.server_error())
    api.enforce_rate_limit(limit=1)
    get(client)
    api.latency_s = 5

    api.reset()

    assert api.accounts == {}
    assert api.requests == []
    assert api.request_count() == 0
    assert api.latency_s == 0
    api.add_account(ACCOUNT)
    assert_error(get(client), 401, 9109)
    api.add_token(TOKEN)
    responses = [get(client), get(client)]
    assert [r.status_code for r in responses] == [200, 200]
    assert "ratelimit" not in responses[1].headers


def test_a_handler_exception_is_answered_with_500_and_recorded(api: FakeCloudflareAPI, client: httpx.Client) -> None:
    api.accounts[ACCOUNT].extra_fields["unserializable"] = object()

    response = get(client)

    assert_error(response, 500, 10002)
    assert [type(error) for error in api.errors] == [TypeError]
    api.reset()  # this test expects the error; the fixture would fail it otherwise
    assert api.errors == []


def test_the_fixture_fails_a_test_whose_server_raised(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import httpx

        def test_breaks_the_server(fake_cloudflare_api):
            fake_cloudflare_api.add_account("{ACCOUNT}", extra_fields={{"bad": object()}})
            fake_cloudflare_api.add_token("t")
            url = fake_cloudflare_api.base_url + "{route()}"
            assert httpx.get(url, headers={{"Authorization": "Bearer t"}}).status_code == 500
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*The fake Cloudflare API raised 1 exception(s)*", "*TypeError*"])


def test_the_server_prints_nothing(
    api: FakeCloudflareAPI, client: httpx.Client, capfd: pytest.CaptureFixture[str]
) -> None:
    get(client)
    get(client, headers={"Authorization": f"Token {TOKEN}"})
    url = httpx.URL(api.base_url)
    with socket.create_connection((url.host, url.port), timeout=5) as sock:
        sock.sendall(f"BROKEN /{TOKEN} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 501")

    captured = capfd.readouterr()

    assert (captured.out, captured.err) == ("", "")


def test_stop_returns_promptly_while_a_slow_request_is_in_flight() -> None:
    api = FakeCloudflareAPI().start()
    api.add_account(ACCOUNT)
    api.add_token(TOKEN)
    api.inject(ACCOUNT, Fault.slow(60))
    outcome: list[BaseException | httpx.Response] = []

    def request() -> None:
        try:
            outcome.append(httpx.get(api.base_url + route(), headers=AUTH, timeout=10))
        except httpx.HTTPError as error:
            outcome.append(error)

    thread = threading.Thread(target=request)
    thread.start()
    assert api.wait_for_requests(1)

    started = time.monotonic()
    api.stop()
    stop_took = time.monotonic() - started
    thread.join(timeout=10)

    assert stop_took < 2
    assert not thread.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], httpx.TransportError)


def test_stop_returns_promptly_with_an_idle_keep_alive_connection() -> None:
    with FakeCloudflareAPI() as api, httpx.Client(base_url=api.base_url) as client:
        api.add_account(ACCOUNT)
        api.add_token(TOKEN)
        assert get(client).status_code == 200  # leaves the connection open in the pool

        started = time.monotonic()
        api.stop()

        assert time.monotonic() - started < 2


def test_lifecycle_misuse_is_refused() -> None:
    api = FakeCloudflareAPI()
    with pytest.raises(RuntimeError, match="start"):
        _ = api.base_url
    with api:
        with pytest.raises(RuntimeError, match="already running"):
            api.start()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/client/v4", api.base_url)
    api.stop()  # idempotent


def test_a_stopped_server_can_start_again() -> None:
    api = FakeCloudflareAPI()
    with api:
        pass
    with api:
        response = httpx.get(api.base_url + "/nowhere")
    assert response.status_code == 404


def test_public_names_are_pinned() -> None:
    names = pulumi_cf_billing.testing.__all__

    assert names == ["FakeAccount", "FakeCloudflareAPI", "Fault", "LocalStack", "PulumiResult", "RecordedRequest"]
    assert names == sorted(names)
    assert all(hasattr(pulumi_cf_billing.testing, name) for name in names)
