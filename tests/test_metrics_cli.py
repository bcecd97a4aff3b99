"""``cf-billing metrics`` against the fake Cloudflare API: its options, ``--once``, and the real process serving.

Every run is checked for the sentinel credential and for tracebacks.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families as parse_classic

from pulumi_cf_billing.cli import ExitCode, main
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT, OTHER_ACCOUNT, SENTINEL_TOKEN
from .test_cli import Run, clean_env, cli_process, ids

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def poll_until(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    """Check ``condition`` until it holds; fail naming ``what`` when ``timeout_s`` passes first."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def api(fake_api_in_environment: FakeCloudflareAPI) -> FakeCloudflareAPI:
    return fake_api_in_environment


@pytest.fixture
def metrics(api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``cf-billing metrics ARGV`` in this process; no credential and no traceback may show."""

    def run(*argv: str) -> Run:
        try:
            code = main(["metrics", *argv])
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        assert SENTINEL_TOKEN not in captured.out + captured.err
        assert "Traceback" not in captured.err
        return Run(code, captured.out, captured.err)

    return run


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "metrics needs --listen HOST:PORT, --textfile PATH, or both."),
        (["--listen", "127.0.0.1:0", "--json"], "metrics has no --json: it serves the Prometheus formats"),
        (["--once", "--listen", "127.0.0.1:0"], "--once writes the --textfile once and exits"),
        (["--textfile", "metrics.txt"], "must end in .prom: node_exporter's textfile collector reads only"),
        (["--textfile", "/no/such/dir/x.prom"], "its directory /no/such/dir is missing or not writable"),
        (["--listen", "127.0.0.1"], "--listen: expected HOST:PORT, like 127.0.0.1:9464; got '127.0.0.1'"),
        (["--listen", "127.0.0.1:99999"], "expected a port number from 0 to 65535; got '99999'"),
        (["--listen", "127.0.0.1:0", "--interval", "59"], "--interval: expected at least 60 seconds; got '59'"),
        (["--listen", "127.0.0.1:0", "--request-budget", "1201"], "expected at most Cloudflare's 1200; got '1201'"),
        (
            ["--listen", "127.0.0.1:0", "--min-runway-days", "7d", "--runway-window-days", "91"],
            "--min-runway-days must be a plain non-negative number of days up to 36,500 with at most 30 decimals, "
            "like 7 or 2.5; got '7d'; --runway-window-days must be a whole number from 1 to 90; got '91'.",
        ),
    ],
)
def test_unusable_options_exit_2_with_one_line_before_any_read(
    api: FakeCloudflareAPI, metrics: Callable[..., Run], argv: list[str], message: str
) -> None:
    run = metrics("--floor-usd", "50", *ids(ACCOUNT), *argv)
    assert run.code == ExitCode.USAGE
    assert message in run.err.strip().splitlines()[-1]  # one line says it all (argparse prints its usage above)
    assert api.request_count() == 0


def test_the_floor_is_parsed_by_the_guard_definition(api: FakeCloudflareAPI, metrics: Callable[..., Run]) -> None:
    run = metrics("--floor-usd", "$50", *ids(ACCOUNT), "--listen", "127.0.0.1:0")
    assert run.code == ExitCode.USAGE
    assert run.err == (
        "cf-billing: error: --floor-usd must be a plain non-negative number of US dollars up to 1,000,000,000,000 "
        "with at most 30 decimals, like 50 or 49.99; got '$50'.\n"
    )
    assert api.request_count() == 0


def test_missing_credentials_exit_2(api: FakeCloudflareAPI, metrics: Callable[..., Run], tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CLOUDFLARE_API_TOKEN")
        run = metrics("--floor-usd", "50", *ids(ACCOUNT), "--textfile", str(tmp_path / "x.prom"), "--once")
    assert run.code == ExitCode.USAGE
    assert "CLOUDFLARE_API_TOKEN" in run.err
    assert not (tmp_path / "x.prom").exists()


def test_once_writes_the_textfile_and_exits_0(
    api: FakeCloudflareAPI, metrics: Callable[..., Run], tmp_path: Path
) -> None:
    api.add_account(ACCOUNT, balance_cents=4000, spend_usd_per_day=2)
    path = tmp_path / "cf_billing.prom"
    argv = ["--floor-usd", "30", *ids(ACCOUNT), "--textfile", str(path), "--once"]
    run = metrics(*argv, "--min-runway-days", "7", "--runway-window-days", "3", "--require-auto-topup")
    assert (run.code, run.out, run.err) == (ExitCode.OK, "", "")
    values = {(s.name, s.labels["account_id"]): s.value for f in parse_classic(path.read_text()) for s in f.samples}
    assert values[("cf_billing_balance_usd", ACCOUNT)] == 40.0
    assert values[("cf_billing_floor_usd", ACCOUNT)] == 30.0
    assert values[("cf_billing_deploy_allowed", ACCOUNT)] == 0.0  # threshold $10 under the floor $30
    assert values[("cf_billing_spend_usd_per_day", ACCOUNT)] == 2.0
    assert values[("cf_billing_runway_seconds", ACCOUNT)] == 5 * 86400.0
    assert api.request_count(endpoint="credit-balance") == api.request_count(endpoint="usage-history") == 1
    (usage,) = [r.path for r in api.requests if r.endpoint == "usage-history"]
    query = parse_qs(urlsplit(usage).query)
    assert int(query["end_time"][0]) - int(query["start_time"][0]) == 3 * 86_400_000  # --runway-window-days 3


def test_once_with_an_unreadable_account_writes_what_it_knows_and_exits_3(
    api: FakeCloudflareAPI, metrics: Callable[..., Run], tmp_path: Path
) -> None:
    api.add_account(ACCOUNT)
    path = tmp_path / "cf_billing.prom"
    run = metrics("--floor-usd", "50", *ids(ACCOUNT, OTHER_ACCOUNT), "--textfile", str(path), "--once")
    assert run.code == ExitCode.UNREADABLE
    assert run.err.startswith("cf-billing: 1 of 2 accounts could not be read (cf_billing_read_success 0, ")
    assert f"Cloudflare found no account {OTHER_ACCOUNT}" in run.err
    text = path.read_text()
    assert f'cf_billing_read_success{{account_id="{OTHER_ACCOUNT}"}} 0.0' in text
    assert f'cf_billing_read_success{{account_id="{ACCOUNT}"}} 1.0' in text


@pytest.fixture
def exporter_process(api: FakeCloudflareAPI, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """``cf-billing metrics --listen 127.0.0.1:0 --textfile ...`` as a real process: it, its URL, its textfile."""
    api.add_account(ACCOUNT, balance_cents=7000)
    textfile = tmp_path / "cf_billing.prom"
    argv = ["--listen", "127.0.0.1:0", "--textfile", str(textfile), "--floor-usd", "50", *ids(ACCOUNT)]
    env = clean_env(CLOUDFLARE_BASE_URL=api.base_url, CLOUDFLARE_API_TOKEN=SENTINEL_TOKEN)
    with cli_process(["metrics", *argv], env) as (process, url):
        yield process, url, textfile


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_exporter_serves_and_writes_in_the_background_until_signalled(
    api: FakeCloudflareAPI, exporter_process: tuple[subprocess.Popen[str], str, Path], stop: signal.Signals
) -> None:
    process, url, textfile = exporter_process
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/metrics")
    with httpx.Client() as http:
        poll_until(lambda: 'cf_billing_read_success{account_id="' in http.get(url).text, "the first cycle")
        poll_until(textfile.exists, "the textfile")
        scraped = [http.get(url, headers={"Accept": OPENMETRICS}) for _ in range(20)]
    assert all(f'cf_billing_balance_usd{{account_id="{ACCOUNT}"}} 70.0' in s.text for s in scraped)
    assert f'cf_billing_balance_usd{{account_id="{ACCOUNT}"}} 70.0' in textfile.read_text()
    assert api.request_count() == 1  # one cycle; twenty-one scrapes sent nothing
    process.send_signal(stop)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert err.startswith(f"cf-billing: reading 1 account every 300 s into /metrics and {textfile}; Ctrl-C to stop.")
    assert "Traceback" not in err
    assert SENTINEL_TOKEN not in out + err + textfile.read_text() + scraped[0].text
