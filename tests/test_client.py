"""The client against the fake Cloudflare API over real sockets: results, errors, retries, deadlines, sharing."""

from __future__ import annotations

import asyncio
import logging
import pickle
import random
import ssl
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpcore
import pytest

from pulumi_cf_billing import (
    AccountNotFoundError,
    APIError,
    AsyncCreditBalanceClient,
    AuthenticationError,
    ConfigurationError,
    Credentials,
    CreditBalanceClient,
    DeadlineExceededError,
    InvalidAccountIdError,
    MalformedResponseError,
    MissingCredentialsError,
    PermissionDeniedError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    Timeout,
    TransportError,
)
from pulumi_cf_billing._flow import Send
from pulumi_cf_billing._protocol import build_request
from pulumi_cf_billing._transport import HTTPCORE_FAILURES, performer, proxy_for
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, OTHER_ACCOUNT, SENTINEL_TOKEN, FakeClock


def client_for(api: FakeCloudflareAPI, clock: FakeClock | None = None, **options: object) -> CreditBalanceClient:
    api.add_token(SENTINEL_TOKEN)
    extra: dict[str, object] = {"cache_ttl_s": 0, "rng": random.Random(7), "environ": {}}
    if clock is not None:
        extra |= {"clock": clock, "sleep": clock.sleep}
    return CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url, **(extra | options))  # type: ignore[arg-type]


def test_reads_the_balance_in_cents_with_exact_dollars(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=4999.5, disabled_reason="card declined")
    with client_for(fake_cloudflare_api) as client:
        balance = client.get(ACCOUNT)
    assert balance.balance == Decimal("4999.5")
    assert balance.balance_usd == Decimal("49.995")
    assert balance.topup_config.amount_usd == Decimal("20")
    assert balance.topup_config.threshold_usd == Decimal("10")
    assert balance.topup_config.disabled_reason == "card declined"
    assert balance.payment_method is not None
    assert balance.payment_method.last4 == "4242"
    assert balance.raw["balance"] == Decimal("4999.5")


def test_last_failed_at_has_a_utc_datetime_companion(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, last_failed_at_ms=1_790_000_000_500, topup_error="card declined")
    with client_for(fake_cloudflare_api) as client:
        topup = client.get(ACCOUNT).topup_config
    assert topup.last_failed_at == 1_790_000_000_500
    assert topup.last_failed_at_datetime == datetime(2026, 9, 21, 14, 13, 20, 500000, tzinfo=UTC)
    assert topup.error == "card declined"


@pytest.mark.parametrize(
    ("cents", "floor_usd", "below"),
    [("5000", "50", False), ("4999", "50", True), ("4999.5", "49.995", False), ("4999.4", "49.995", True)],
)
def test_floor_comparison_is_exact(
    fake_cloudflare_api: FakeCloudflareAPI, cents: str, floor_usd: str, below: bool
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=float(cents))
    with client_for(fake_cloudflare_api) as client:
        assert client.get(ACCOUNT).is_below(Decimal(floor_usd)) is below


def test_global_key_sends_email_and_key(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_global_key("ops@example.com", "k" * 37)
    with CreditBalanceClient(
        api_key="k" * 37, email="ops@example.com", base_url=fake_cloudflare_api.base_url
    ) as client:
        assert client.get(ACCOUNT).balance == 5000
    assert fake_cloudflare_api.requests[-1].auth_kind == "global_key"


def test_token_wins_over_key_when_both_are_configured(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    environ = {"CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN, "CLOUDFLARE_API_KEY": "k" * 37, "CLOUDFLARE_EMAIL": "a@b.c"}
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    with CreditBalanceClient(base_url=fake_cloudflare_api.base_url, environ=environ) as client:
        assert client.get(ACCOUNT).balance == 5000
    assert fake_cloudflare_api.requests[-1].auth_kind == "token"


def test_environment_supplies_account_base_url_and_token(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=1234)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    environ = {
        "CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_BASE_URL": fake_cloudflare_api.base_url,
    }
    with CreditBalanceClient(environ=environ) as client:
        assert client.get().balance_usd == Decimal("12.34")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({}, MissingCredentialsError),
        ({"api_key": "k" * 37}, MissingCredentialsError),
        ({"api_token": "two words"}, ConfigurationError),
        ({"api_token": "line\nbreak"}, ConfigurationError),
    ],
)
def test_configuration_errors_come_before_any_request(
    fake_cloudflare_api: FakeCloudflareAPI, options: dict[str, str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        CreditBalanceClient(base_url=fake_cloudflare_api.base_url, environ={}, **options)  # type: ignore[arg-type]
    assert fake_cloudflare_api.request_count() == 0


@pytest.mark.parametrize("account_id", ["", "0123", "0123456789abcdef0123456789abcdeg", SENTINEL_TOKEN])
def test_malformed_account_ids_are_refused_before_any_request(
    fake_cloudflare_api: FakeCloudflareAPI, account_id: str
) -> None:
    with client_for(fake_cloudflare_api) as client, pytest.raises(InvalidAccountIdError) as caught:
        client.get(account_id)
    assert fake_cloudflare_api.request_count() == 0
    assert SENTINEL_TOKEN not in str(caught.value)


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(Exception, match="https://"):
        CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url="http://api.example.com/client/v4", environ={})


@pytest.mark.parametrize(
    ("fault", "error", "status", "codes"),
    [
        (Fault.error(403, 10000, "Authentication error"), PermissionDeniedError, 403, (10000,)),
        (Fault.error(401, 9109, "Invalid access token"), AuthenticationError, 401, (9109,)),
        (Fault.error(400, 9106, "Missing headers"), AuthenticationError, 400, (9106,)),
        (Fault.error(404, 7003, "Could not route"), AccountNotFoundError, 404, (7003,)),
        (Fault.unsuccessful(), MalformedResponseError, 200, (10001,)),
        (Fault.null_result(), MalformedResponseError, 200, ()),
        (Fault.server_error(501), ServerError, 501, ()),
        (Fault.not_json(), MalformedResponseError, 200, ()),
    ],
)
def test_client_errors_fail_at_once_with_context(
    fake_cloudflare_api: FakeCloudflareAPI,
    clock: FakeClock,
    fault: Fault,
    error: type[APIError],
    status: int,
    codes: tuple[int, ...],
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, fault)
    with client_for(fake_cloudflare_api, clock) as client, pytest.raises(error) as caught:
        client.get(ACCOUNT)
    assert fake_cloudflare_api.request_count(ACCOUNT) == 1
    assert clock.sleeps == []
    assert (caught.value.status, caught.value.codes, caught.value.account_id) == (status, codes, ACCOUNT)
    assert caught.value.cf_ray
    assert caught.value.cf_ray in str(caught.value)
    assert ACCOUNT in str(caught.value)


def test_permission_error_says_which_permission_to_grant(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN, accounts=[OTHER_ACCOUNT])
    with (
        CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}) as client,
        pytest.raises(PermissionDeniedError, match="'AI Gateway Read' or 'AI Gateway Write'"),
    ):
        client.get(ACCOUNT)


@pytest.mark.parametrize(
    "fault",
    [
        Fault.server_error(502),
        Fault.server_error(503),
        Fault.rate_limited("2"),
        Fault.drop_connection(),
        Fault.truncated_body(),
    ],
    ids=["502", "503", "429", "dropped", "truncated"],
)
def test_transient_faults_are_retried(fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock, fault: Fault) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=777)
    fake_cloudflare_api.inject(ACCOUNT, fault, times=2)
    with client_for(fake_cloudflare_api, clock) as client:
        assert client.get(ACCOUNT).balance == 777
    assert fake_cloudflare_api.request_count(ACCOUNT) == 3
    assert len(clock.sleeps) == 2


def test_retry_after_is_honoured(fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.rate_limited("7"), times=1)
    fake_cloudflare_api.inject(OTHER_ACCOUNT, Fault.rate_limited(None, retry_after_ms=2500), times=1)
    fake_cloudflare_api.add_account(OTHER_ACCOUNT)
    with client_for(fake_cloudflare_api, clock) as client:
        client.get(ACCOUNT)
        client.get(OTHER_ACCOUNT)
    assert clock.sleeps[0] >= 7
    assert clock.sleeps[1] >= 2.5


def test_retry_after_past_the_deadline_fails_at_once_saying_when(
    fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.rate_limited("300"))
    with client_for(fake_cloudflare_api, clock) as client, pytest.raises(RateLimitedError) as caught:
        client.get(ACCOUNT)
    assert clock.sleeps == []
    assert caught.value.retry_after_s == 300
    assert "try again in 300 s" in str(caught.value)
    assert "1,200 requests in 5 minutes" in str(caught.value)


def test_server_errors_give_up_after_the_attempts(fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.server_error(502))
    with client_for(fake_cloudflare_api, clock, retry=RetryPolicy(max_attempts=3)) as client:
        with pytest.raises(ServerError, match="HTTP 502") as caught:
            client.get(ACCOUNT)
    assert fake_cloudflare_api.request_count(ACCOUNT) == 3
    assert "not JSON" in str(caught.value)


def test_backoff_grows_and_stays_inside_the_deadline(fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.server_error(503))
    policy = RetryPolicy(max_attempts=50, initial_backoff_s=1, max_backoff_s=4)
    with client_for(fake_cloudflare_api, clock, retry=policy, timeout=Timeout(total_s=20)) as client:
        with pytest.raises(DeadlineExceededError, match="HTTP 503"):
            client.get(ACCOUNT)
    assert sum(clock.sleeps) < 20
    assert max(clock.sleeps) <= 4


def test_a_hanging_server_hits_the_real_deadline(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.slow(30))
    timeout = Timeout(total_s=1.0, attempt_s=0.3, connect_s=0.3)
    started = time.monotonic()
    with client_for(fake_cloudflare_api, timeout=timeout) as client, pytest.raises(DeadlineExceededError) as caught:
        client.get(ACCOUNT)
    elapsed = time.monotonic() - started
    assert "did not answer within" in str(caught.value)  # the last attempt's own timeout, named
    assert caught.value.status is None
    assert elapsed < 5  # a bound on a hang, far above the 1 s deadline, not a performance claim


def test_connection_refused_is_a_transport_error(clock: FakeClock) -> None:
    with FakeCloudflareAPI() as api:
        base_url = api.base_url
    with (
        CreditBalanceClient(
            api_token=SENTINEL_TOKEN, base_url=base_url, environ={}, clock=clock, sleep=clock.sleep, cache_ttl_s=0
        ) as client,
        pytest.raises(TransportError, match=r"connection to 127\.0\.0\.1 failed") as caught,
    ):
        client.get(ACCOUNT)
    assert len(clock.sleeps) == RetryPolicy().max_attempts - 1
    assert SENTINEL_TOKEN not in repr(caught.value)


def test_two_clients_never_share_a_reading(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000)
    with (
        client_for(fake_cloudflare_api, cache_ttl_s=60) as first,
        client_for(fake_cloudflare_api, cache_ttl_s=60) as second,
    ):
        assert first.get(ACCOUNT).balance == 5000
        fake_cloudflare_api.accounts[ACCOUNT].balance_cents = 10
        assert second.get(ACCOUNT).balance == 10
        assert first.get(ACCOUNT).balance == 5000  # its own cache, as asked
    assert fake_cloudflare_api.request_count(ACCOUNT) == 2


def test_a_client_reads_afresh_by_default(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}) as client:
        client.get(ACCOUNT)
        client.get(ACCOUNT)
    assert fake_cloudflare_api.request_count(ACCOUNT) == 2


def test_a_shared_read_expires_after_the_ttl(fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    with client_for(fake_cloudflare_api, clock, cache_ttl_s=60) as client:
        client.get(ACCOUNT)
        clock.now += 59
        client.get(ACCOUNT)
        assert fake_cloudflare_api.request_count(ACCOUNT) == 1
        clock.now += 2
        client.get(ACCOUNT)
    assert fake_cloudflare_api.request_count(ACCOUNT) == 2


def test_concurrent_async_callers_share_one_request(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, Fault.slow(0.2), times=1)

    async def read_many() -> list[Decimal]:
        async with AsyncCreditBalanceClient(
            api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}, cache_ttl_s=60
        ) as client:
            return [b.balance for b in await asyncio.gather(*(client.get(ACCOUNT) for _ in range(20)))]

    assert asyncio.run(read_many()) == [Decimal(5000)] * 20
    assert fake_cloudflare_api.request_count(ACCOUNT) == 1


def test_failures_are_not_cached(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"), times=1)
    with client_for(fake_cloudflare_api, cache_ttl_s=60) as client:
        with pytest.raises(PermissionDeniedError):
            client.get(ACCOUNT)
        assert client.get(ACCOUNT).balance == 5000
    assert fake_cloudflare_api.request_count(ACCOUNT) == 2


def test_fleet_results_keep_order_and_isolate_failures(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    accounts = [f"{i:032x}" for i in range(1, 31)]
    for index, account in enumerate(accounts):
        fake_cloudflare_api.add_account(account, balance_cents=100 * index)
    fake_cloudflare_api.inject(accounts[3], Fault.error(403, 10000, "Authentication error"))
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    seen: list[str] = []

    async def read() -> list[object]:
        async with AsyncCreditBalanceClient(
            api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}, cache_ttl_s=0
        ) as client:
            return list(await client.get_many(accounts, concurrency=4, on_result=lambda a, _: seen.append(a)))

    results = asyncio.run(read())
    assert isinstance(results[3], PermissionDeniedError)
    assert [r.balance for i, r in enumerate(results) if i != 3] == [  # type: ignore[attr-defined]
        100 * i for i in range(30) if i != 3
    ]
    assert sorted(seen) == sorted(accounts)


def test_pacing_obeys_the_servers_ratelimit_header(fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.enforce_rate_limit(limit=3, window_s=300)
    with client_for(fake_cloudflare_api, clock) as client:
        for _ in range(3):
            client.get(ACCOUNT)
        with pytest.raises(RateLimitedError, match="Not sent") as caught:
            client.get(ACCOUNT)
    assert caught.value.retry_after_s is not None
    assert caught.value.retry_after_s > 200
    # The third answer said no requests remain: the fourth was never sent, so no 429 was earned.
    assert fake_cloudflare_api.request_count(ACCOUNT) == 3


def test_no_credential_in_reprs_errors_or_logs(
    fake_cloudflare_api: FakeCloudflareAPI, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_cloudflare_api.add_account(ACCOUNT)
    texts: list[str] = []
    client = client_for(fake_cloudflare_api, clock)
    texts += [repr(client), repr(client.credentials), str(client.credentials)]
    for fault in (Fault.error(401, 9109, "Invalid access token"), Fault.server_error(502), Fault.drop_connection()):
        fake_cloudflare_api.inject(ACCOUNT, fault)
        with pytest.raises(APIError) as caught:
            client.get(ACCOUNT)
        texts += [str(caught.value), repr(caught.value), repr(caught.value.__cause__), repr(caught.value.__context__)]
    with pytest.raises(TypeError):
        pickle.dumps(client.credentials)
    client.close()
    texts.append(caplog.text)
    assert all(SENTINEL_TOKEN not in text for text in texts)
    assert "[secure]" in repr(client)


def test_global_key_is_masked_too() -> None:
    credentials = Credentials(api_key="secret-global-key-value", email="ops@example.com")
    assert "secret-global-key-value" not in repr(credentials)
    assert credentials.headers()["X-Auth-Key"] == "secret-global-key-value"


def test_a_proxy_in_the_environment_is_never_used_for_loopback(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    dead_proxy = "http://127.0.0.1:9"  # nothing listens: a request through it would fail
    environ = {"HTTP_PROXY": dead_proxy, "ALL_PROXY": dead_proxy, "http_proxy": dead_proxy}
    with client_for(fake_cloudflare_api, environ=environ) as client:
        assert client.get(ACCOUNT).balance == 5000


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"HTTPS_PROXY": "http://proxy.internal:3128"}, "http://proxy.internal:3128"),
        ({"https_proxy": "proxy.internal:8080", "HTTPS_PROXY": "http://other:1"}, "http://proxy.internal:8080"),
        ({"ALL_PROXY": "https://proxy.internal"}, "https://proxy.internal:443"),
        ({"HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": ".cloudflare.com"}, None),
        ({"HTTPS_PROXY": "http://proxy.internal:3128", "no_proxy": "*"}, None),
        ({"HTTP_PROXY": "http://proxy.internal:3128"}, None),  # http only: the API is https
        ({}, None),
    ],
)
def test_the_proxy_for_cloudflare_comes_from_the_environment(environ: dict[str, str], expected: str | None) -> None:
    proxy = proxy_for("https://api.cloudflare.com/client/v4", environ)
    url = None if proxy is None else proxy.url
    assert (None if url is None else f"{url.scheme.decode()}://{url.host.decode()}:{url.port}") == expected


def test_a_socks_proxy_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="http:// or https:// proxy only"):
        proxy_for("https://api.cloudflare.com/client/v4", {"ALL_PROXY": "socks5://proxy.internal:1080"})


class _FailingPool:
    """Transport-level mock: a pool whose every exchange fails with ``failure`` (DNS, TLS and proxy faults)."""

    def __init__(self, failure: Exception) -> None:
        self.failure = failure

    def stream(self, **_: object) -> Any:
        raise self.failure


def _httpcore_failures() -> list[type[Exception]]:
    found: list[type[Exception]] = []
    pending = [kind for kind in HTTPCORE_FAILURES if kind is not OSError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        found.append(kind)
    return [*found, OSError, ssl.SSLCertVerificationError, ConnectionRefusedError]


@pytest.mark.parametrize("failure", _httpcore_failures(), ids=lambda kind: kind.__name__)
def test_every_httpcore_failure_becomes_a_transport_error(failure: type[Exception]) -> None:
    request = build_request(ACCOUNT, Credentials(api_token=SENTINEL_TOKEN), "https://api.cloudflare.com/client/v4")
    perform = performer(_FailingPool(failure(f"simulated {failure.__name__}")), ACCOUNT, time.sleep)  # type: ignore[arg-type]
    outcome = perform(Send(request, 1.0, 1.0))
    assert isinstance(outcome, TransportError)
    assert outcome.account_id == ACCOUNT
    assert "api.cloudflare.com" in str(outcome)
    assert f"simulated {failure.__name__}" in str(outcome) or issubclass(failure, httpcore.TimeoutException)
    assert SENTINEL_TOKEN not in str(outcome)
    assert outcome.__cause__ is None
    assert ("did not answer" in str(outcome)) is issubclass(failure, httpcore.TimeoutException)
