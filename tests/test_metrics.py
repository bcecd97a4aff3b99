"""The exporter over the fake Cloudflare API: what each family says, reads in the background, never per scrape.

Cycles run with :meth:`Exporter.refresh` or with an injected clock and wait, so nothing here sleeps.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_classic

from pulumi_cf_billing import CreditBalanceClient
from pulumi_cf_billing._exceptions import ConfigurationError
from pulumi_cf_billing.metrics import FAMILIES, Cycle, Exporter, Rules, registry_for, serving, write_textfile
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, OTHER_ACCOUNT, SENTINEL_TOKEN, FakeClock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FLOOR = Rules(Decimal(50))
RUNWAY = Rules(Decimal(50), min_runway_days=Decimal(7))
OPENMETRICS = "application/openmetrics-text; version=1.0.0"
Samples = dict[tuple[str, str], float]


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api


@pytest.fixture
def client(api: FakeCloudflareAPI) -> Iterator[CreditBalanceClient]:
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url, environ={}) as client:
        yield client


class Wall:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def exposition(exporter: Exporter) -> str:
    from prometheus_client.openmetrics.exposition import generate_latest  # noqa: PLC0415  # one test helper's need

    return generate_latest(registry_for(exporter.snapshot, exporter.rules.floor_usd)).decode()


def samples(exporter: Exporter) -> Samples:
    return {
        (sample.name, sample.labels["account_id"]): sample.value
        for family in parse_openmetrics(exposition(exporter))
        for sample in family.samples
    }


def test_a_read_account_shows_every_family(api: FakeCloudflareAPI, client: CreditBalanceClient) -> None:
    api.add_account(
        ACCOUNT, balance_cents=4000, topup_amount_cents=2500, topup_threshold_cents=1000, spend_usd_per_day=4
    )
    exporter = Exporter(client, [ACCOUNT], RUNWAY, now=lambda: NOW)
    exporter.refresh()
    assert samples(exporter) == {
        ("cf_billing_balance_usd", ACCOUNT): 40.0,
        ("cf_billing_floor_usd", ACCOUNT): 50.0,
        ("cf_billing_topup_threshold_usd", ACCOUNT): 10.0,
        ("cf_billing_topup_amount_usd", ACCOUNT): 25.0,
        ("cf_billing_auto_topup_working", ACCOUNT): 0.0,  # its threshold is under the floor
        ("cf_billing_spend_usd_per_day", ACCOUNT): 4.0,
        ("cf_billing_runway_seconds", ACCOUNT): 0.0,  # already under the floor
        ("cf_billing_deploy_allowed", ACCOUNT): 0.0,
        ("cf_billing_read_success", ACCOUNT): 1.0,
        ("cf_billing_last_success_timestamp_seconds", ACCOUNT): NOW.timestamp(),
    }


def test_every_family_has_help_type_unit_and_only_the_account_label(
    api: FakeCloudflareAPI, client: CreditBalanceClient
) -> None:
    api.add_account(ACCOUNT, topup_error="card declined", last_failed_at_ms=1_700_000_000_000, spend_usd_per_day=1)
    exporter = Exporter(client, [ACCOUNT], RUNWAY, now=lambda: NOW)
    exporter.refresh()
    families = list(parse_openmetrics(exposition(exporter)))
    assert [family.name for family in families] == [family.name for family in FAMILIES]
    for family in families:
        assert family.type == "gauge"
        assert family.documentation
        assert not family.unit or family.name.endswith(f"_{family.unit}")
        assert all(set(sample.labels) == {"account_id"} for sample in family.samples), family.name
    dollars = {family.name for family in families if "US dollars" in family.documentation}
    assert dollars == {
        "cf_billing_balance_usd",
        "cf_billing_floor_usd",
        "cf_billing_topup_threshold_usd",
        "cf_billing_topup_amount_usd",
        "cf_billing_spend_usd_per_day",
    }
    assert all(family.unit.startswith("usd") for family in families if family.name in dollars)


def test_a_healthy_account_may_deploy_and_its_runway_is_infinite_without_spend(
    api: FakeCloudflareAPI, client: CreditBalanceClient
) -> None:
    api.add_account(ACCOUNT, balance_cents=10_000, topup_threshold_cents=5000)
    exporter = Exporter(client, [ACCOUNT], Rules(Decimal(50), require_auto_topup=True, min_runway_days=Decimal(7)))
    exporter.refresh()
    values = samples(exporter)
    assert values[("cf_billing_deploy_allowed", ACCOUNT)] == 1.0
    assert values[("cf_billing_auto_topup_working", ACCOUNT)] == 1.0
    assert values[("cf_billing_runway_seconds", ACCOUNT)] == math.inf
    assert ("cf_billing_topup_last_failed_timestamp_seconds", ACCOUNT) not in values


def test_a_failed_top_up_counts_within_the_window(api: FakeCloudflareAPI, client: CreditBalanceClient) -> None:
    failed = NOW - timedelta(days=2)
    api.add_account(
        ACCOUNT, topup_threshold_cents=5000, topup_error="declined", last_failed_at_ms=int(failed.timestamp() * 1000)
    )
    within = Exporter(client, [ACCOUNT], FLOOR, now=lambda: NOW)
    outside = Exporter(client, [ACCOUNT], replace(FLOOR, topup_failure_window_days=1), now=lambda: NOW)
    within.refresh()
    outside.refresh()
    assert samples(within)[("cf_billing_auto_topup_working", ACCOUNT)] == 0.0
    assert samples(outside)[("cf_billing_auto_topup_working", ACCOUNT)] == 1.0
    assert samples(within)[("cf_billing_topup_last_failed_timestamp_seconds", ACCOUNT)] == failed.timestamp()


def test_without_a_runway_rule_there_is_no_runway_and_no_usage_read(
    api: FakeCloudflareAPI, client: CreditBalanceClient
) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=4)
    exporter = Exporter(client, [ACCOUNT], FLOOR)
    exporter.refresh()
    names = {name for name, _ in samples(exporter)}
    assert not names & {"cf_billing_runway_seconds", "cf_billing_spend_usd_per_day"}
    assert api.request_count(endpoint="usage-history") == 0


def test_a_failed_read_keeps_the_last_good_values_and_says_so(
    api: FakeCloudflareAPI, client: CreditBalanceClient
) -> None:
    account = api.add_account(ACCOUNT, balance_cents=9000)
    wall = Wall()
    exporter = Exporter(client, [ACCOUNT], FLOOR, now=wall)
    exporter.refresh()
    account.balance_cents = 100
    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"), times=1)
    wall.now = NOW + timedelta(minutes=5)
    cycle = exporter.refresh()
    values = samples(exporter)
    assert values[("cf_billing_balance_usd", ACCOUNT)] == 90.0
    assert values[("cf_billing_read_success", ACCOUNT)] == 0.0
    assert values[("cf_billing_last_success_timestamp_seconds", ACCOUNT)] == NOW.timestamp()
    assert [error.account_id for error in cycle.errors] == [ACCOUNT]
    wall.now = NOW + timedelta(minutes=10)
    exporter.refresh()
    values = samples(exporter)
    assert (values[("cf_billing_balance_usd", ACCOUNT)], values[("cf_billing_read_success", ACCOUNT)]) == (1.0, 1.0)
    assert values[("cf_billing_last_success_timestamp_seconds", ACCOUNT)] == wall.now.timestamp()


def test_an_account_never_read_shows_that_it_failed_and_its_floor(
    api: FakeCloudflareAPI, client: CreditBalanceClient
) -> None:
    api.add_account(ACCOUNT)
    exporter = Exporter(client, [OTHER_ACCOUNT, ACCOUNT], FLOOR)
    cycle = exporter.refresh()
    values = samples(exporter)
    assert {key for key in values if key[1] == OTHER_ACCOUNT} == {
        ("cf_billing_floor_usd", OTHER_ACCOUNT),
        ("cf_billing_read_success", OTHER_ACCOUNT),
    }
    assert values[("cf_billing_read_success", OTHER_ACCOUNT)] == 0.0
    assert values[("cf_billing_read_success", ACCOUNT)] == 1.0
    assert [state.account_id for state in cycle.states] == [OTHER_ACCOUNT, ACCOUNT]


def test_duplicate_account_ids_are_read_and_shown_once(api: FakeCloudflareAPI, client: CreditBalanceClient) -> None:
    api.add_account(ACCOUNT)
    exporter = Exporter(client, [ACCOUNT, ACCOUNT], FLOOR)
    exporter.refresh()
    assert exporter.account_ids == (ACCOUNT,)
    assert api.request_count() == 1
    assert exposition(exporter).count(f'cf_billing_balance_usd{{account_id="{ACCOUNT}"}}') == 1


def test_scrapes_never_reach_cloudflare_and_the_format_follows_accept(
    api: FakeCloudflareAPI, client: CreditBalanceClient
) -> None:
    api.add_account(ACCOUNT)
    exporter = Exporter(client, [ACCOUNT], FLOOR)
    exporter.refresh()
    with serving(registry_for(exporter.snapshot, FLOOR.floor_usd), "127.0.0.1", 0) as (host, port):
        url = f"http://{host}:{port}/metrics"
        with httpx.Client() as http:
            for _ in range(100):
                openmetrics = http.get(url, headers={"Accept": OPENMETRICS})
            classic = http.get(url)
    assert api.request_count() == 1
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert "# UNIT cf_billing_balance_usd usd" in openmetrics.text
    assert openmetrics.text.endswith("# EOF\n")
    assert classic.headers["content-type"].startswith("text/plain; version=0.0.4")
    parsed = {f.name: f for f in parse_classic(classic.text)}
    assert parsed["cf_billing_balance_usd"].samples[0].value == 50.0
    assert SENTINEL_TOKEN not in openmetrics.text + classic.text


def test_a_port_in_use_is_a_one_line_configuration_error(api: FakeCloudflareAPI, client: CreditBalanceClient) -> None:
    exporter = Exporter(client, [ACCOUNT], FLOOR)
    registry = registry_for(exporter.snapshot, FLOOR.floor_usd)
    with serving(registry, "127.0.0.1", 0) as (_, port):
        with pytest.raises(
            ConfigurationError, match=rf"^Cannot listen on 127\.0\.0\.1:{port}: Address already in use\.$"
        ):
            with serving(registry, "127.0.0.1", port):
                pass


def test_the_textfile_is_replaced_by_a_rename_never_rewritten_in_place(
    api: FakeCloudflareAPI, client: CreditBalanceClient, tmp_path: Path
) -> None:
    account = api.add_account(ACCOUNT, balance_cents=7000)
    exporter = Exporter(client, [ACCOUNT], FLOOR)
    registry = registry_for(exporter.snapshot, FLOOR.floor_usd)
    target = tmp_path / "cf_billing.prom"
    exporter.refresh()
    write_textfile(registry, str(target))
    with target.open() as before:  # a reader holding the old file, as node_exporter may be
        account.balance_cents = 6000
        exporter.refresh()
        write_textfile(registry, str(target))
        assert 'cf_billing_balance_usd{account_id="0123456789abcdef0123456789abcdef"} 70.0' in before.read()
    assert 'cf_billing_balance_usd{account_id="0123456789abcdef0123456789abcdef"} 60.0' in target.read_text()
    assert [path.name for path in tmp_path.iterdir()] == ["cf_billing.prom"]  # no temporary file left behind
    assert {family.name for family in parse_classic(target.read_text())} == {family.name for family in FAMILIES}


def test_an_unwritable_textfile_is_a_configuration_error(
    api: FakeCloudflareAPI, client: CreditBalanceClient, tmp_path: Path
) -> None:
    exporter = Exporter(client, [ACCOUNT], FLOOR)
    path = tmp_path / "missing" / "cf_billing.prom"
    with pytest.raises(ConfigurationError, match=r"^Cannot write the textfile .*cf_billing\.prom: No such file"):
        write_textfile(registry_for(exporter.snapshot, FLOOR.floor_usd), str(path))


# -- the background loop, with an injected clock ---------------------------------------------


class Loop:
    """An injected monotonic clock and wait: each wait moves the clock; the loop stops after ``cycles`` waits."""

    def __init__(self, cycles: int) -> None:
        self.clock = FakeClock()
        self.cycles = cycles
        self.waits: list[float] = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.clock.now += seconds
        return len(self.waits) >= self.cycles


def test_cycles_start_every_interval_whatever_they_take(api: FakeCloudflareAPI, client: CreditBalanceClient) -> None:
    api.add_account(ACCOUNT)
    loop = Loop(cycles=3)
    took = iter([100.0, 400.0, 0.0])

    def slow_cycle(cycle: Cycle) -> None:
        loop.clock.now += next(took)

    exporter = Exporter(
        client, [ACCOUNT], FLOOR, interval_s=300, monotonic=loop.clock, wait=loop.wait, on_cycle=slow_cycle
    )
    exporter.run()
    assert loop.waits == [200.0, 0.0, 300.0]  # start to start; a cycle longer than the interval is followed at once
    assert api.request_count() == 3


def test_reads_wait_for_the_request_budget(api: FakeCloudflareAPI, client: CreditBalanceClient) -> None:
    accounts = [f"{n:032x}" for n in range(1, 4)]
    for account_id in accounts:
        api.add_account(account_id)
    loop = Loop(cycles=99)
    exporter = Exporter(client, accounts, RUNWAY, concurrency=1, request_budget=4, monotonic=loop.clock, wait=loop.wait)
    cycle = exporter.refresh()
    assert cycle.errors == ()
    assert loop.waits == [300.0]  # two requests per account: the third account waits for the window to slide
    assert api.request_count() == 6


def test_stop_interrupts_the_wait_between_cycles(api: FakeCloudflareAPI, client: CreditBalanceClient) -> None:
    api.add_account(ACCOUNT)
    exporter = Exporter(client, [ACCOUNT], FLOOR, interval_s=3600).start()
    assert api.wait_for_requests(1)
    stopper = threading.Thread(target=exporter.stop)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive()
    assert api.request_count() == 1
    with pytest.raises(RuntimeError, match=r"^This exporter was started already: make a new one\.$"):
        exporter.start()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"interval_s": 0}, r"^interval_s must be a positive number of seconds; got '0'\.$"),
        ({"interval_s": math.inf}, r"^interval_s must be a positive number of seconds; got 'inf'\.$"),
        ({"concurrency": 0}, r"^concurrency must be a whole number from 1 to 1000; got '0'\.$"),
        ({"request_budget": 1201}, r"^request_budget must be a whole number from 1 to 1200; got '1201'\.$"),
    ],
)
def test_unusable_settings_are_refused_before_any_read(
    api: FakeCloudflareAPI, client: CreditBalanceClient, options: dict[str, float], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Exporter(client, [ACCOUNT], FLOOR, **options)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"^The exporter needs at least one account id\.$"):
        Exporter(client, [], FLOOR)
    assert api.request_count() == 0


def test_no_credential_in_the_exposition_or_an_error(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}) as client:
        exporter = Exporter(client, [ACCOUNT], FLOOR)  # the fake does not accept the token: 401
        cycle = exporter.refresh()
    assert len(cycle.errors) == 1
    everything = exposition(exporter) + repr(cycle) + str(cycle.errors[0]) + repr(exporter.snapshot())
    assert SENTINEL_TOKEN not in everything
