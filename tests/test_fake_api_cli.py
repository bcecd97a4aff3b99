"""``cf-billing fake-api`` playing every scene: per-account options served by a real process, changed while it runs.

Each serving option is tested on a real ``cf-billing fake-api`` process (its URL read from stdout
with a timeout) queried with httpx; ``cf-billing fake-api set`` runs as a process too. Usage errors,
found before anything listens or is sent, run in-process through ``main``. No run ever prints the
token or a traceback.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from pulumi_cf_billing.cli import ExitCode, main
from pulumi_cf_billing.testing._changes import KNOBS
from pulumi_cf_billing.testing._faults import FAULT_NAMES

from .conftest import ACCOUNT, OTHER_ACCOUNT, SENTINEL_TOKEN

AUTH = {"Authorization": f"Bearer {SENTINEL_TOKEN}"}
STARTUP_TIMEOUT_S = 30
DAY_MS = 86_400_000


def child_env(**extra: str) -> dict[str, str]:
    """This environment without any Cloudflare setting, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}, **extra}


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class FakeProcess:
    """A running ``cf-billing fake-api`` and the base URL it printed."""

    process: subprocess.Popen[str]
    base_url: str
    output: tuple[str, str] | None = field(default=None)

    def get(self, endpoint: str, account_id: str = ACCOUNT, query: str = "") -> httpx.Response:
        url = f"{self.base_url}/accounts/{account_id}/ai-gateway/billing/{endpoint}?{query}"
        return httpx.get(url, headers=AUTH, timeout=10)

    def balance(self, account_id: str = ACCOUNT) -> dict[str, Any]:
        response = self.get("credit-balance", account_id)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()["result"]
        return result

    def stop(self) -> tuple[str, str]:
        """SIGINT, then its stdout after the URL and its stderr; checks it exited 0 without a traceback or token."""
        if self.output is None:
            self.process.send_signal(signal.SIGINT)
            self.output = self.process.communicate(timeout=30)
            out, err = self.output
            assert self.process.returncode == 0, err
            assert "Traceback" not in err
            assert SENTINEL_TOKEN not in out + err
        return self.output


@pytest.fixture
def start_fake() -> Iterator[Callable[..., FakeProcess]]:
    """Start ``cf-billing fake-api --token SENTINEL ARGV...`` (unbuffered); stopped and checked after the test."""
    started: list[FakeProcess] = []

    def start(*argv: str) -> FakeProcess:
        command = [sys.executable, "-u", "-m", "pulumi_cf_billing.cli", "fake-api", "--token", SENTINEL_TOKEN, *argv]
        process = subprocess.Popen(  # noqa: S603
            command, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT_S)
        if not ready:
            process.kill()
        base_url = process.stdout.readline().strip() if ready else ""
        fake = FakeProcess(process, base_url)
        started.append(fake)
        assert base_url.startswith("http://127.0.0.1:"), f"no URL within {STARTUP_TIMEOUT_S} s: {fake.stop()}"
        return fake

    yield start
    for fake in started:
        fake.stop()


def run_set(fake: FakeProcess | None, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``cf-billing fake-api set ARGV...`` as a process, ``--url`` and ``--account-id`` from the environment."""
    environ = child_env(CLOUDFLARE_ACCOUNT_ID=ACCOUNT, **env)
    if fake is not None:
        environ["CLOUDFLARE_BASE_URL"] = fake.base_url
    command = [sys.executable, "-m", "pulumi_cf_billing.cli", "fake-api", "set", *argv]
    run = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    assert "Traceback" not in run.stderr
    return run


# -- serving options, each on a real process -------------------------------------------------------


def test_spend_per_day_is_served_as_usage_and_charted_by_cf_billing_usage(
    start_fake: Callable[..., FakeProcess],
) -> None:
    fake = start_fake("--account", f"{ACCOUNT}=5000", "--spend-usd-per-day", f"{ACCOUNT}=12.5")
    midnight = now_ms() // DAY_MS * DAY_MS

    history = fake.get("usage-history", query=f"value_grouping_window=day&start_time={midnight - 3 * DAY_MS}")

    assert [bucket["aggregated_value"] for bucket in history.json()["result"]["history"][:3]] == [12.5] * 3
    env = child_env(CLOUDFLARE_BASE_URL=fake.base_url, CLOUDFLARE_API_TOKEN=SENTINEL_TOKEN)
    command = [sys.executable, "-m", "pulumi_cf_billing.cli", "usage", "--account-id", ACCOUNT, "--days", "3", "--json"]
    usage = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    [report] = json.loads(usage.stdout)
    assert report["spend_usd_per_day"] == 12.5
    assert SENTINEL_TOKEN not in usage.stdout + usage.stderr


def test_topup_sets_amount_and_threshold_in_cents_or_none(start_fake: Callable[..., FakeProcess]) -> None:
    fake = start_fake(
        *("--account", f"{ACCOUNT}=5000", "--account", f"{OTHER_ACCOUNT}=4999.5"),
        *("--topup", f"{ACCOUNT}=3000,1500", "--topup", f"{OTHER_ACCOUNT}=off"),
    )

    first, second = fake.balance(ACCOUNT), fake.balance(OTHER_ACCOUNT)

    assert (first["topup_config"]["amount"], first["topup_config"]["threshold"]) == (3000, 1500)
    assert (second["balance"], second["topup_config"]["amount"], second["topup_config"]["threshold"]) == (
        4999.5,
        None,
        None,
    )


def test_topup_failing_and_no_payment_method(start_fake: Callable[..., FakeProcess]) -> None:
    before = now_ms()
    fake = start_fake(
        *("--account", f"{ACCOUNT}=5000", "--account", f"{OTHER_ACCOUNT}=5000"),
        *("--topup-failing", ACCOUNT, "--topup-failing", f"{OTHER_ACCOUNT}=insufficient funds"),
        *("--no-payment-method", OTHER_ACCOUNT),
    )
    after = now_ms()

    first, second = fake.balance(ACCOUNT), fake.balance(OTHER_ACCOUNT)

    assert first["topup_config"]["error"] == "Your card was declined."
    assert before <= first["topup_config"]["lastFailedAt"] <= after  # epoch milliseconds
    assert (first["has_default_payment_method"], first["payment_method"]) == (True, {"brand": "visa", "last4": "4242"})
    assert second["topup_config"]["error"] == "insufficient funds"
    assert (second["has_default_payment_method"], second["payment_method"]) == (False, None)


def test_a_fault_lasts_until_fake_api_set_clears_it(start_fake: Callable[..., FakeProcess]) -> None:
    fake = start_fake("--fault", f"{ACCOUNT}=server_error")  # on the demo account
    assert [fake.get("credit-balance").status_code for _ in range(2)] == [502, 502]

    run = run_set(fake, "--fault", "none")

    assert run.returncode == ExitCode.OK
    assert fake.balance()["balance"] == 5000


# -- changing an account while it runs ----------------------------------------------------------------


def test_set_lowers_the_balance_of_a_running_fake_and_prints_the_knobs(start_fake: Callable[..., FakeProcess]) -> None:
    fake = start_fake("--account", f"{ACCOUNT}=5000")

    run = run_set(fake, "--balance-cents", "999")

    assert (run.returncode, run.stderr) == (ExitCode.OK, "")
    assert json.loads(run.stdout)["balance_cents"] == 999
    assert fake.balance()["balance"] == 999
    _, err = fake.stop()
    assert "cf-billing fake-api set --account-id ID --balance-cents 999" in err
    assert f"{fake.base_url.removesuffix('/client/v4')}/_fake/accounts/ID" in err


def test_set_turns_every_knob(start_fake: Callable[..., FakeProcess]) -> None:
    fake = start_fake()
    before = now_ms()

    off = run_set(
        fake, "--spend-usd-per-day", "7.25", "--topup", "off", "--topup-failing", "expired", "--no-payment-method"
    )

    result = fake.balance()
    assert off.returncode == ExitCode.OK
    assert json.loads(off.stdout)["spend_usd_per_day"] == 7.25
    assert (result["topup_config"]["amount"], result["topup_config"]["error"]) == (None, "expired")
    assert before <= result["topup_config"]["lastFailedAt"] <= now_ms()
    assert (result["has_default_payment_method"], result["payment_method"]) == (False, None)

    on = run_set(fake, "--topup", "2500,1200", "--topup-ok", "--payment-method", "--fault", "rate_limited")

    assert on.returncode == ExitCode.OK
    assert fake.get("credit-balance").status_code == 429
    run_set(fake, "--fault", "none", "--topup-failing")
    result = fake.balance()
    assert (result["topup_config"]["amount"], result["topup_config"]["threshold"]) == (2500, 1200)
    assert result["topup_config"]["error"] == "Your card was declined."
    assert result["payment_method"] == {"brand": "visa", "last4": "4242"}


def test_the_control_endpoint_takes_a_plain_json_post(start_fake: Callable[..., FakeProcess]) -> None:
    fake = start_fake()
    control = fake.base_url.removesuffix("/client/v4") + f"/_fake/accounts/{ACCOUNT}"

    response = httpx.post(control, content=b'{"balance_cents": "1", "spend_usd_per_day": 3}', timeout=10)

    assert response.json()["result"]["balance_cents"] == 1
    assert fake.balance()["balance"] == 1


SET_REFUSALS = [
    (["--balance-cents", "$9.99"], f"balance_cents of account {ACCOUNT} must be a plain non-negative number"),
    (["--account-id", OTHER_ACCOUNT, "--balance-cents", "1"], f"no account '{OTHER_ACCOUNT}' is served"),
    (
        ["--fault", "meltdown"],
        f"fault of account {ACCOUNT}: unknown fault 'meltdown'; expected one of: drop_connection",
    ),
    (["--balance-cents", "1", "--topup-failing", "x" * 501], "topup_error of account"),
]


def test_set_refused_by_the_fake_exits_2_saying_why_and_changes_nothing(start_fake: Callable[..., FakeProcess]) -> None:
    fake = start_fake()

    for argv, message in SET_REFUSALS:
        run = run_set(fake, *argv)

        assert run.returncode == ExitCode.USAGE
        assert run.stdout == ""
        assert run.stderr.startswith(f"cf-billing: error: the fake API refused the change: {message}")
        assert run.stderr.count("\n") == 1
    assert fake.balance()["balance"] == 5000


def test_set_without_a_running_fake_exits_3() -> None:
    run = run_set(None, "--balance-cents", "1", CLOUDFLARE_BASE_URL="http://127.0.0.1:9/client/v4")

    assert run.returncode == ExitCode.UNREADABLE
    assert run.stderr.startswith("cf-billing: error: cannot reach the fake API at http://127.0.0.1:9/_fake/accounts/")


# -- usage errors, before anything listens or is sent (in-process) -----------------------------------------


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: usage errors and --help
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--spend-usd-per-day", f"{ACCOUNT}=$5"], "--spend-usd-per-day: spend_usd_per_day of account"),
        (["--account", f"{ACCOUNT}=1e3"], "--account: balance_cents of account " + ACCOUNT + " must be a plain"),
        (["--topup", f"{ACCOUNT}=2000,ten"], "--topup: topup_threshold_cents of account"),
        (["--fault", f"{ACCOUNT}=meltdown"], "--fault: fault of account " + ACCOUNT + ": unknown fault 'meltdown'"),
        (["--spend-usd-per-day", f"{OTHER_ACCOUNT}=5"], f"names account {OTHER_ACCOUNT}, which is not served"),
        (["--topup", f"{ACCOUNT}=2000"], "argument --topup: expected ID=AMOUNT_CENTS,THRESHOLD_CENTS"),
        (["--spend-usd-per-day", ACCOUNT], "argument --spend-usd-per-day: expected ID=AMOUNT"),
        (["--no-payment-method", f"{ACCOUNT}=yes"], "argument --no-payment-method: expected ID"),
        (
            ["--topup-failing", "not-hex"],
            "argument --topup-failing: expected ID[=ERROR]: 'not-hex' is not a Cloudflare",
        ),
    ],
)
def test_a_bad_serving_option_exits_2_before_listening(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, output = run_main(capsys, "fake-api", "--port", "1", *argv)  # port 1: a bug that listened would fail

    assert code == ExitCode.USAGE
    assert message in output


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["set"], {}, "Nothing to change: give at least one of --balance-cents"),
        (["set", "--balance-cents", "1"], {}, "No URL for the fake: pass --url"),
        (["set", "--url", "https://api.cloudflare.com/client/v4", "--balance-cents", "1"], {}, "only a fake API on"),
        (["--account", f"{ACCOUNT}=1", "set", "--balance-cents", "1"], {}, "takes only its own options"),
        (["set", "--url", "http://127.0.0.1:9", "--balance-cents", "1"], {"CLOUDFLARE_ACCOUNT_ID": ""}, "account id"),
        (["set", "--topup", "5"], {}, "argument --topup: expected AMOUNT_CENTS,THRESHOLD_CENTS"),
    ],
)
def test_a_bad_set_exits_2_before_sending(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.delenv("CLOUDFLARE_BASE_URL")
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    code, output = run_main(capsys, "fake-api", *argv)

    assert code == ExitCode.USAGE
    assert message in output


def test_help_documents_every_knob_and_fault(capsys: pytest.CaptureFixture[str]) -> None:
    code, serve_help = run_main(capsys, "fake-api", "--help")
    _, set_help = run_main(capsys, "fake-api", "set", "--help")

    assert code == ExitCode.OK
    assert [knob for knob in KNOBS if knob not in serve_help] == []
    assert [name for name in FAULT_NAMES if name not in " ".join(serve_help.split())] == []
    assert [name for name in FAULT_NAMES if name not in " ".join(set_help.split())] == []
    assert "POST" in serve_help
    assert "fake-api set --account-id ID --balance-cents 999" in serve_help
