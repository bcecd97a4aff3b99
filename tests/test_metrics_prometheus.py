"""The exporter and the alert rules against the real Prometheus: ``promtool`` checks and a live server.

``scripts/test`` installs Debian's ``prometheus`` package (``promtool`` included) when it is missing.
Without it these tests are skipped, with the reason in the summary, except in CI (``CI=true`` or
``PULUMI_CF_BILLING_REQUIRE_ENGINE=1``), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import generate_latest

from pulumi_cf_billing import CreditBalanceClient
from pulumi_cf_billing._assess import Rules
from pulumi_cf_billing.metrics import Exporter, registry_for, serving
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT, REPO, SENTINEL_TOKEN
from .test_metrics_cli import poll_until

EXAMPLES = REPO / "examples" / "prometheus"
RULES = Rules(Decimal(50), min_runway_days=Decimal(7))


def _required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("PULUMI_CF_BILLING_REQUIRE_ENGINE") == "1"


def binary(name: str) -> str:
    """The path of Prometheus' ``name`` binary; fails in CI, skips elsewhere, when it is not installed."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed: scripts/test installs it (apt-get install -y prometheus)"
        if _required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def promtool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # Prometheus' own tool, on our example files
        [binary("promtool"), *argv], cwd=EXAMPLES, capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_accepts_the_alert_rules_and_the_scrape_config() -> None:
    rules = promtool("check", "rules", "alerts.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "SUCCESS: 6 rules found" in rules.stdout
    config = promtool("check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_the_alert_rules_pass_their_unit_tests() -> None:
    tested = promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@pytest.fixture
def exporter(fake_cloudflare_api: FakeCloudflareAPI) -> Iterator[Exporter]:
    """An exporter of one account ($50.00, spending $1 a day) over the fake API, refreshing every 0.2 s."""
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000, spend_usd_per_day=1)
    base_url = fake_cloudflare_api.base_url
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=base_url, environ={}) as client:
        # 0.2 s: a test-only interval the Python API allows (the command line asks for 60 s at least)
        with Exporter(client, [ACCOUNT], RULES, interval_s=0.2, request_budget=1200) as exporter:
            yield exporter


def test_promtool_lints_the_exposition_clean(exporter: Exporter) -> None:
    poll_until(lambda: bool(exporter.snapshot()), "the first cycle")
    exposition = generate_latest(registry_for(exporter.snapshot, RULES.floor_usd))
    linted = subprocess.run(  # noqa: S603
        [binary("promtool"), "check", "metrics"], input=exposition, capture_output=True, timeout=60, check=False
    )
    assert linted.returncode == 0, (linted.stdout + linted.stderr).decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def prometheus(exporter: Exporter, tmp_path: Path) -> Iterator[str]:
    """A real Prometheus on 127.0.0.1 scraping the exporter every second with alerts.yml loaded; its base URL."""
    binary_path = binary("prometheus")
    with serving(registry_for(exporter.snapshot, RULES.floor_usd), "127.0.0.1", 0) as (host, port):
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{EXAMPLES / 'alerts.yml'}']\n"
            f"scrape_configs: [{{job_name: cf-billing, static_configs: [{{targets: ['{host}:{port}']}}]}}]\n"
        )
        address = f"127.0.0.1:{free_port()}"
        log = (tmp_path / "prometheus.log").open("w")
        argv = [
            binary_path,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address={address}",
            "--log.level=warn",
        ]
        server = subprocess.Popen(argv, stdout=log, stderr=log)  # noqa: S603  # the real Prometheus
        try:
            url = f"http://{address}"
            poll_until(lambda: _ready(url, server, tmp_path / "prometheus.log"), "Prometheus to be ready", 60)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()


def _ready(url: str, server: subprocess.Popen[bytes], log: Path) -> bool:
    if server.poll() is not None:
        pytest.fail(f"Prometheus exited with {server.returncode}:\n{log.read_text()[-2000:]}", pytrace=False)
    try:
        return httpx.get(f"{url}/-/ready", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def api_data(http: httpx.Client, path: str, **params: str) -> Any:
    reply = http.get(path, params=params)
    reply.raise_for_status()
    body = reply.json()
    assert body["status"] == "success", body
    return body["data"]


def test_prometheus_ingests_the_balance_and_fires_the_below_floor_alert(
    fake_cloudflare_api: FakeCloudflareAPI, prometheus: str
) -> None:
    with httpx.Client(base_url=prometheus, timeout=10) as http:

        def balance() -> list[str]:
            result = api_data(http, "/api/v1/query", query="cf_billing_balance_usd")["result"]
            return [sample["value"][1] for sample in result if sample["metric"].get("account_id") == ACCOUNT]

        def firing() -> list[dict[str, Any]]:
            alerts = api_data(http, "/api/v1/alerts")["alerts"]
            return [
                a for a in alerts if a["labels"]["alertname"] == "CfBillingCreditsBelowFloor" and a["state"] == "firing"
            ]

        poll_until(lambda: balance() == ["50"], "Prometheus to ingest the $50.00 balance")
        groups = api_data(http, "/api/v1/rules")["groups"]
        assert [rule["name"] for group in groups for rule in group["rules"]] == [
            "CfBillingCreditsBelowFloor",
            "CfBillingRunwayShort",
            "CfBillingAutoTopupNotWorking",
            "CfBillingReadsFailing",
            "CfBillingReadingsStale",
            "CfBillingExporterDown",
        ]
        # Prometheus scraped OpenMetrics: only that format carries the unit it now knows.
        metadata = api_data(http, "/api/v1/metadata", metric="cf_billing_balance_usd")["cf_billing_balance_usd"]
        assert metadata[0]["unit"] == "usd"
        assert firing() == []

        fake_cloudflare_api.accounts[ACCOUNT].balance_cents = 1234
        poll_until(lambda: bool(firing()), "the below-floor alert to fire")
        (alert,) = firing()
        assert alert["labels"]["account_id"] == ACCOUNT
        assert alert["labels"]["severity"] == "critical"
        assert "below the floor: $12.34 left, deploys are refused." in alert["annotations"]["summary"]
        assert balance() == ["12.34"]
