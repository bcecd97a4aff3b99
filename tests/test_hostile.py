"""A hostile server and a careless user: one deadline, bounded memory, only library errors, exact money.

Each test talks HTTP over loopback to the fake API, whose faults trickle, flood, bomb and lie.
Time bounds here are bounds on a hang (several times the deadline), not performance claims.
"""

from __future__ import annotations

import asyncio
import copy
import gzip
import itertools
import pickle
import random
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_cf_billing import (
    AsyncCreditBalanceClient,
    ClientClosedError,
    CloudflareBillingError,
    ConfigurationError,
    CreditBalance,
    CreditBalanceClient,
    DeadlineExceededError,
    MalformedResponseError,
    RetryPolicy,
    Timeout,
)
from pulumi_cf_billing._assess import Reading
from pulumi_cf_billing._body import MAX_BODY_BYTES, BodyProblem, BoundedBody
from pulumi_cf_billing._cache import SingleFlightCache
from pulumi_cf_billing._models import TopupConfig
from pulumi_cf_billing._money import format_usd
from pulumi_cf_billing._pacing import CLOUDFLARE_WINDOW_S, RequestPacer
from pulumi_cf_billing._protocol import parse_response
from pulumi_cf_billing._pulumi._host_judging import judge_reading
from pulumi_cf_billing._results import epoch_ms, read_usage_history
from pulumi_cf_billing._serialize import exact_json
from pulumi_cf_billing._verdict import breach_message, judge
from pulumi_cf_billing.cli import ExitCode, main
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, OTHER_ACCOUNT, SENTINEL_TOKEN, OffLoopbackError

DEADLINE_S = 1.5
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def client_for(api: FakeCloudflareAPI, **options: Any) -> CreditBalanceClient:
    api.add_token(SENTINEL_TOKEN)
    return CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url, environ={}, **options)


def envelope(result_json: str) -> bytes:
    return b'{"success":true,"errors":[],"messages":[],"result":' + result_json.encode() + b"}"


# -- 1. one deadline bounds the whole read ---------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [Fault.trickle_headers(0.2), Fault.trickle_body(0.2), Fault.slow(30)],
    ids=["trickled-headers", "trickled-body", "silent"],
)
def test_the_deadline_bounds_the_whole_read_sync(fake_cloudflare_api: FakeCloudflareAPI, fault: Fault) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, fault)
    started = time.monotonic()
    with client_for(fake_cloudflare_api, timeout=DEADLINE_S) as client, pytest.raises(DeadlineExceededError):
        client.get(ACCOUNT)
    assert time.monotonic() - started < 3 * DEADLINE_S  # the trickle alone would take 30 s or more


@pytest.mark.parametrize(
    "fault", [Fault.trickle_headers(0.2), Fault.trickle_body(0.2)], ids=["trickled-headers", "trickled-body"]
)
def test_the_deadline_bounds_the_whole_read_async(fake_cloudflare_api: FakeCloudflareAPI, fault: Fault) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, fault)

    async def read() -> None:
        async with AsyncCreditBalanceClient(
            api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}, timeout=DEADLINE_S
        ) as client:
            await client.get(ACCOUNT)

    started = time.monotonic()
    with pytest.raises(DeadlineExceededError):
        asyncio.run(read())
    assert time.monotonic() - started < 3 * DEADLINE_S


def test_the_cli_timeout_bounds_a_trickling_server(
    fake_cloudflare_api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, Fault.trickle_body(0.2))
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", fake_cloudflare_api.base_url)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL_TOKEN)
    started = time.monotonic()
    code = main(["check", "--floor-usd", "10", "--timeout", str(DEADLINE_S), "--account-id", ACCOUNT])
    assert time.monotonic() - started < 3 * DEADLINE_S
    assert code == ExitCode.UNREADABLE
    assert "DeadlineExceededError" in capsys.readouterr().out


# -- 2. memory is bounded --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        (Fault.gzip_bomb(200 * 2**20), "a body of more than 1,048,576 bytes"),
        (Fault.endless_body(), "a body of more than 1,048,576 bytes"),
        (Fault.endless_body(declared_length=400 * 2**20), "announced as 419430400 bytes"),
        (Fault.raw(200, b"x", headers=(("Content-Encoding", "br"),)), "an encoding this client does not read"),
        (Fault.raw(200, b"not gzip", headers=(("Content-Encoding", "gzip"),)), "does not decompress"),
    ],
    ids=["gzip-bomb", "endless-chunked", "400-MiB-announced", "brotli", "bad-gzip"],
)
def test_a_flood_ends_as_a_malformed_response_within_a_bounded_memory(
    fake_cloudflare_api: FakeCloudflareAPI, fault: Fault, problem: str
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, fault)
    tracemalloc.start()
    try:
        with client_for(fake_cloudflare_api, timeout=10) as client, pytest.raises(MalformedResponseError) as caught:
            client.get(ACCOUNT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem in str(caught.value)
    assert caught.value.account_id == ACCOUNT
    assert peak < 16 * MAX_BODY_BYTES  # a few copies of the 1 MiB cap, never the flood


def test_a_gzipped_answer_of_normal_size_is_read(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    body = gzip.compress(envelope('{"balance":4999.5}'))
    fake_cloudflare_api.inject(ACCOUNT, Fault.raw(200, body, headers=(("Content-Encoding", "gzip"),)))
    with client_for(fake_cloudflare_api) as client:
        assert client.get(ACCOUNT).balance == Decimal("4999.5")


# -- 3. every failure is a library error ----------------------------------------------------

ODD_BODIES = {
    "deep-nesting": b'{"success":true,"result":' + b"[" * 5000 + b"]" * 5000 + b"}",
    "1e309": envelope('{"balance":1e309}'),
    "1e1000000": envelope('{"balance":1e1000000}'),
    "tiny-exponent": envelope('{"balance":1e-1000000}'),
    "5000-digit-int": envelope('{"balance":' + "9" * 5000 + "}"),
    "big-topup": envelope('{"balance":1,"topup_config":{"amount":1e40,"threshold":1}}'),
    "absurd-last-failed": envelope('{"balance":1,"topup_config":{"lastFailedAt":1e30}}'),
    "not-utf8": b'{"success":true,"result":{"balance":"\xff\xfe"}}',
}


@pytest.mark.parametrize("body", ODD_BODIES.values(), ids=ODD_BODIES.keys())
def test_odd_numbers_and_structures_are_malformed_responses(
    fake_cloudflare_api: FakeCloudflareAPI, body: bytes
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.raw(200, body))
    started = time.process_time()
    with client_for(fake_cloudflare_api) as client, pytest.raises(MalformedResponseError):
        client.get(ACCOUNT)
    assert time.process_time() - started < 5  # 1e1000000 once cost 46 s of CPU


@pytest.mark.parametrize(
    "headers",
    [
        (("Ratelimit", '"default";r=' + "9" * 300 + ";t=" + "9" * 300),),
        (("Retry-After", "Fri, 31 Dec 99999 23:59:59 GMT"),),
        (("Retry-After", "1e400"), ("retry-after-ms", "nan")),
        (("cf-ray", "\x1b[31mred\x1b[0m"),),
    ],
    ids=["ratelimit-digits", "far-date", "infinite-hints", "escape-ray"],
)
def test_odd_headers_on_a_success_are_harmless(
    fake_cloudflare_api: FakeCloudflareAPI, headers: tuple[tuple[str, str], ...]
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.raw(200, envelope('{"balance":100}'), headers=headers))
    with client_for(fake_cloudflare_api) as client:
        assert client.get(ACCOUNT).balance == 100


def test_a_far_future_retry_after_on_a_429_fails_at_once_saying_when(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.rate_limited(retry_after="Fri, 31 Dec 9999 23:59:59 GMT"))
    with client_for(fake_cloudflare_api) as client, pytest.raises(CloudflareBillingError) as caught:
        client.get(ACCOUNT)
    assert "try again in 86400 s" in str(caught.value)
    assert fake_cloudflare_api.request_count() == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_token": "cf-token-with-a-d\u00e9cor"}, "non-ASCII character at position 18"),
        ({"api_token": "tok", "base_url": "https://[::1/client/v4"}, "does not parse"),
        ({"api_token": "tok", "base_url": "https://api.cloudflare.com:99999/client/v4"}, "does not parse"),
        ({"api_token": "tok", "base_url": "https://api.cloudflare.com/client/v4?x=1"}, "query or a fragment"),
        ({"api_token": "tok", "base_url": "https://api.cloudflare.com/client/v4#top"}, "query or a fragment"),
        ({"api_token": "tok", "base_url": "https://api.cloudflare.com/client/../v4"}, "path segments"),
        ({"api_token": "tok", "base_url": "https://user:pw@api.cloudflare.com/client/v4"}, "user info"),
        ({"api_token": "tok", "base_url": "ftp://api.cloudflare.com/client/v4"}, "https:// scheme"),
        ({"api_token": "tok", "timeout": 0}, "positive, finite number"),
        ({"api_token": "tok", "retry": None, "cache_ttl_s": float("nan")}, "cache_ttl_s"),
    ],
)
def test_bad_configuration_is_refused_before_any_request(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        CreditBalanceClient(environ={}, **options)
    assert "pw" not in str(caught.value)
    assert "d\u00e9cor" not in str(caught.value)


def test_a_non_ascii_token_is_a_usage_error_in_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "token\u2013pasted")
    assert main(["balance", "--account-id", ACCOUNT]) == ExitCode.USAGE
    assert "non-ASCII" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RetryPolicy(max_attempts=0), "max_attempts"),
        (lambda: RetryPolicy(initial_backoff_s=-1), "initial_backoff_s"),
        (lambda: Timeout(total_s=float("inf")), "total_s"),
    ],
)
def test_bad_policies_are_configuration_errors(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build()


def test_a_closed_client_says_so(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    client = client_for(fake_cloudflare_api)
    client.get(ACCOUNT)
    client.close()
    with pytest.raises(ClientClosedError, match="was closed"):
        client.get(ACCOUNT)
    assert fake_cloudflare_api.request_count() == 1


def test_get_many_refuses_zero_concurrency(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    async def read() -> object:
        async with AsyncCreditBalanceClient(api_token="tok", base_url=fake_cloudflare_api.base_url, environ={}) as c:
            return await c.get_many([ACCOUNT], concurrency=0)

    with pytest.raises(ConfigurationError, match="concurrency must be a whole number of at least 1"):
        asyncio.run(read())


def test_one_hostile_account_fails_alone_in_a_fleet(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_account(OTHER_ACCOUNT, balance_cents=700)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, Fault.gzip_bomb())

    async def read() -> list[object]:
        async with AsyncCreditBalanceClient(
            api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}
        ) as client:
            return list(await client.get_many([ACCOUNT, OTHER_ACCOUNT, "nope"], concurrency=3))

    bombed, fine, malformed_id = asyncio.run(read())
    assert isinstance(bombed, MalformedResponseError)
    assert isinstance(fine, CreditBalance)
    assert fine.balance == 700
    assert isinstance(malformed_id, ConfigurationError)


# -- 4. exact money ------------------------------------------------------------------------

NEARLY_FIFTY = Decimal("4999.99999999999999999999999999")


def test_thirty_digits_below_the_floor_are_below_it(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=NEARLY_FIFTY)
    with client_for(fake_cloudflare_api) as client:
        balance = client.get(ACCOUNT)
    assert balance.balance == NEARLY_FIFTY
    assert balance.balance_usd == Decimal("49.9999999999999999999999999999")
    assert balance.is_below(Decimal(50))


def test_the_cli_and_the_fake_keep_every_digit(
    fake_cloudflare_api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=NEARLY_FIFTY)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", fake_cloudflare_api.base_url)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL_TOKEN)
    assert main(["check", "--floor-usd", "50", "--account-id", ACCOUNT]) == ExitCode.BELOW
    assert "$49.9999999999999999999999999999 < floor $50.00" in capsys.readouterr().out


def test_a_balance_pickles_and_deep_copies(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=NEARLY_FIFTY, extra_fields={"new_field": [1, 2]})
    with client_for(fake_cloudflare_api) as client:
        balance = client.get(ACCOUNT)
    unpickled = pickle.loads(pickle.dumps(balance))  # noqa: S301  # our own bytes, made one line above
    for copied in (unpickled, copy.deepcopy(balance), copy.copy(balance)):
        assert copied == balance
        assert copied.raw["new_field"] == [1, 2]
        with pytest.raises(TypeError):
            copied.raw["balance"] = 1  # type: ignore[index]


# -- 5. no shared state that surprises -------------------------------------------------------


def test_cancelling_one_async_caller_never_breaks_another(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, Fault.slow(0.3), times=1)

    async def race() -> tuple[object, object]:
        async with AsyncCreditBalanceClient(
            api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}, cache_ttl_s=60
        ) as client:
            owner = asyncio.ensure_future(client.get(ACCOUNT))
            impatient = asyncio.wait_for(client.get(ACCOUNT), timeout=0.05)
            patient = asyncio.ensure_future(client.get(ACCOUNT))
            await asyncio.sleep(0)
            owner.cancel()
            results = await asyncio.gather(impatient, patient, return_exceptions=True)
            return results[0], results[1]

    impatient, patient = asyncio.run(race())
    assert isinstance(impatient, TimeoutError)
    assert isinstance(patient, CreditBalance)
    assert fake_cloudflare_api.request_count() == 1


def test_a_ratelimit_header_locks_a_credential_out_for_at_most_the_window() -> None:
    pacer = RequestPacer()
    pacer.note_response({"ratelimit": '"default";r=0;t=999999999'}, now=100.0)
    assert pacer.reserve(100.0) == CLOUDFLARE_WINDOW_S


# -- 6. the suite stays on loopback ----------------------------------------------------------


def test_the_suite_refuses_to_leave_loopback() -> None:
    with pytest.raises(OffLoopbackError):  # TEST-NET-1: never routed; refused before any packet
        CreditBalanceClient(api_token="tok", base_url="https://192.0.2.1/client/v4", environ={}).get(ACCOUNT)


def test_hooks_make_cli_retries_deterministic(
    fake_cloudflare_api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pulumi_cf_billing.cli._fetch import ReadHooks  # noqa: PLC0415

    from .conftest import FakeClock  # noqa: PLC0415

    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, Fault.server_error(503))
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", fake_cloudflare_api.base_url)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL_TOKEN)
    clock = FakeClock()
    hooks = ReadHooks(clock=clock, sleep=clock.async_sleep, rng=random.Random(3))
    code = main(["balance", "--json", "--timeout", "30", "--account-id", ACCOUNT], hooks=hooks)
    assert code == ExitCode.UNREADABLE
    assert fake_cloudflare_api.request_count() == RetryPolicy().max_attempts
    assert len(clock.sleeps) == RetryPolicy().max_attempts - 1
    assert '"type": "ServerError"' in capsys.readouterr().out


# -- 7. runway never goes stale ----------------------------------------------------------------


def test_runway_comes_from_the_usage_of_complete_days_whatever_state_holds() -> None:
    now = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    day = timedelta(days=1)
    midnight = datetime(2026, 11, 25, tzinfo=UTC)
    buckets = [
        {"id": str(n), "aggregated_value": Decimal(4), "start_time": epoch_ms(midnight - n * day),
         "end_time": epoch_ms(midnight - (n - 1) * day)}
        for n in range(1, 8)
    ] + [{"id": "today", "aggregated_value": Decimal(400), "start_time": epoch_ms(midnight),
          "end_time": epoch_ms(midnight + day)}]  # fmt: skip
    reading = Reading(CreditBalance(ACCOUNT, Decimal(6000)), read_usage_history({"history": buckets}, ACCOUNT))
    news = {"account_id": ACCOUNT, "floor_usd": 10, "min_runway_days": 3}
    stale = {"days_until_floor": 1.25, "spend_usd_per_day": 40, "balance_usd": 60}  # what an old run recorded
    state, failure = judge_reading(news, stale, lambda _key: None, now=now, read=lambda *_: reading)
    # $4 a day over the 7 complete days (the running day's $400 does not count): $50 lasts 12.5 days.
    assert failure is None
    assert (state["spend_usd_per_day"], state["days_until_floor"], state["status"]) == (4, 12.5, "ok")


def test_server_text_reaches_pulumi_output_cleaned() -> None:
    balance = CreditBalance(ACCOUNT, Decimal(100), topup_config=TopupConfig(disabled_reason="card\x1b[2J\ndeclined"))
    message = breach_message("CreditBalanceGuard", balance, Decimal(50), judge(balance, Decimal(50), now=NOW))
    assert "\x1b" not in message
    assert "\n" not in message
    assert "auto top-up off (card?[2J?declined)" in message


# -- 8. property: whatever the server sends, only library errors -------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.text(max_size=20),
    st.sampled_from(["1e309", "-1e1000000", "1e-400", "0.1e-30", "4999.99999999999999999999999999"]).map(Decimal),
)
_json_value = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)
_result = st.fixed_dictionaries(
    {},
    optional={
        "balance": _json_leaf,
        "topup_config": st.dictionaries(
            st.sampled_from(["amount", "threshold", "lastFailedAt", "disabledReason", "error"]), _json_leaf
        ),
        "payment_method": _json_value,
        "has_default_payment_method": _json_leaf,
    },
)
_header_value = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=0).map(lambda n: '"default";r=' + str(n) + ";t=" + str(n * 7)),
    st.sampled_from(["Fri, 31 Dec 99999 23:59:59 GMT", "1e400", "nan", "-5", "Mon, 01 Jan 0001 00:00:00 GMT"]),
)
_headers = st.dictionaries(
    st.sampled_from(["retry-after", "retry-after-ms", "ratelimit", "date", "cf-ray"]), _header_value, max_size=5
)


@given(status=st.integers(min_value=100, max_value=599), headers=_headers, result=_result, raw=st.binary(max_size=64))
def test_any_answer_parses_or_raises_a_library_error(
    status: int, headers: dict[str, str], result: dict[str, Any], raw: bytes
) -> None:
    for body in (envelope(exact_json(result)), raw):
        try:
            balance = parse_response(status, headers, body, ACCOUNT)
        except CloudflareBillingError:
            continue
        format_usd(balance.balance_usd)  # whatever parsed can be shown and judged
        judge(balance, Decimal(50), now=NOW, require_auto_topup=True)
    pacer = RequestPacer()
    pacer.note_response(headers, now=0.0)
    assert 0 <= pacer.reserve(0.0) <= CLOUDFLARE_WINDOW_S


@given(chunks=st.lists(st.binary(max_size=300), max_size=6), encoding=st.sampled_from([None, "gzip", "deflate", "br"]))
def test_any_body_bytes_are_read_or_refused_by_a_body_problem(chunks: list[bytes], encoding: str | None) -> None:
    try:
        body = BoundedBody(encoding, None, cap=512)
        for chunk in chunks:
            body.feed(chunk)
        assert len(body.result()) <= 512
    except BodyProblem:
        pass


def test_a_refused_deploy_says_each_figure_once() -> None:
    balance = CreditBalance(ACCOUNT, Decimal(999))
    below = breach_message("CreditBalanceGuard", balance, Decimal(10), judge(balance, Decimal(10), now=NOW))
    assert below.count("$9.99") == 1
    assert below.count("$10.00") == 1
    assert "\n" not in below
    topup = breach_message(
        "CreditBalanceGuard", balance, Decimal(5), judge(balance, Decimal(5), now=NOW, require_auto_topup=True)
    )
    assert (topup.count("$9.99"), topup.count("$5.00")) == (1, 1)


def test_the_fixture_forgets_the_readings_a_run_shared() -> None:
    from pulumi_cf_billing._cache import PROGRAM_RUN_CACHES  # noqa: PLC0415
    from pulumi_cf_billing.testing.pytest_plugin import forget_library_state  # noqa: PLC0415

    class Root:
        """Stands in for a run's root stack resource (only its identity matters)."""

    root = Root()
    first = PROGRAM_RUN_CACHES.for_owner(root)
    assert PROGRAM_RUN_CACHES.for_owner(root) is first
    forget_library_state()
    assert PROGRAM_RUN_CACHES.for_owner(root) is not first


def test_an_interrupted_sync_owner_hands_the_read_to_a_waiter() -> None:
    waiter_claimed = threading.Event()
    claims = itertools.count()

    def clock() -> float:
        if next(claims) == 1:  # the second claim is the waiter's
            waiter_claimed.set()
        return 0.0

    cache: SingleFlightCache[str] = SingleFlightCache(clock)
    interrupted: list[BaseException] = []

    def owner_read() -> str:
        waiter_claimed.wait(5)
        raise KeyboardInterrupt

    def owner() -> None:
        try:
            cache.get("key", 60, owner_read)
        except KeyboardInterrupt as error:
            interrupted.append(error)

    thread = threading.Thread(target=owner)
    thread.start()
    assert cache.get("key", 60, lambda: "the waiter's own read") == "the waiter's own read"
    thread.join()
    assert len(interrupted) == 1  # the owner still sees its own interruption


def test_a_transport_error_names_the_tls_failure(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    plain_http = fake_cloudflare_api.base_url.replace("http://", "https://")  # TLS to a server that speaks none
    with (
        CreditBalanceClient(
            api_token=SENTINEL_TOKEN, base_url=plain_http, environ={}, retry=RetryPolicy(max_attempts=1)
        ) as client,
        pytest.raises(CloudflareBillingError) as caught,
    ):
        client.get(ACCOUNT)
    assert "SSL" in str(caught.value)
    assert caught.value.__cause__ is None
    assert SENTINEL_TOKEN not in str(caught.value)


DAY_MS = 86_400_000
USAGE_START = 1_764_460_800_000  # 2025-11-30T00:00:00Z, a midnight


def _bucket(index: int, value: str, *, length_ms: int = DAY_MS, id_: str | None = None) -> str:
    start = USAGE_START + index * DAY_MS
    return (
        f'{{"id":"{id_ or f"b{index}"}","aggregated_value":{value},'
        f'"start_time":{start},"end_time":{start + length_ms}}}'
    )


HOSTILE_USAGE = {
    # one refund-like negative bucket would net a $500/day burn down to nothing
    "negative-cost": [_bucket(0, "500"), _bucket(1, "500"), _bucket(2, "-3400")],
    "ends-before-it-starts": [_bucket(0, "5", length_ms=-DAY_MS)],
    "duplicate-ids": [_bucket(0, "5", id_="same"), _bucket(1, "5", id_="same")],
}


@pytest.mark.parametrize("history", HOSTILE_USAGE.values(), ids=HOSTILE_USAGE.keys())
def test_usage_that_could_hide_spend_is_malformed(fake_cloudflare_api: FakeCloudflareAPI, history: list[str]) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.inject(ACCOUNT, Fault.raw(200, envelope('{"history":[' + ",".join(history) + "]}")))
    with client_for(fake_cloudflare_api) as client, pytest.raises(MalformedResponseError):
        client.get_usage_history(ACCOUNT)
