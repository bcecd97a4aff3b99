"""The ``cf-billing`` command line against the fake Cloudflare API over real sockets.

Most tests call ``main(argv)`` in-process; a few run the real module as a subprocess. Every run,
whatever its outcome, is checked for the sentinel credential in its output.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_cf_billing._serialize import json_number
from pulumi_cf_billing.cli import ExitCode, main
from pulumi_cf_billing.cli._fetch import ReadHooks
from pulumi_cf_billing.cli._progress import Progress
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, CLOUDFLARE_ENV, OTHER_ACCOUNT, SENTINEL_TOKEN, FakeClock

THIRD_ACCOUNT = "00000000000000000000000000000abc"
BALANCE_KEYS = {
    "account_id",
    "balance",
    "balance_usd",
    "has_default_payment_method",
    "payment_method",
    "topup_config",
    "first_topup_success",
}


@dataclass
class Run:
    """What one ``cf-billing`` run did: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


CLI = Callable[..., Run]


@pytest.fixture
def api(fake_api_in_environment: FakeCloudflareAPI) -> FakeCloudflareAPI:
    """The fake API, accepting the sentinel token, with the environment pointing at it and nothing else set."""
    return fake_api_in_environment


@pytest.fixture
def cli(api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]) -> CLI:
    """Run ``main(argv)`` and capture its output; fails the test if a credential appears in it."""

    def run(*argv: str) -> Run:
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse: usage errors, --help, --version
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        assert SENTINEL_TOKEN not in captured.out + captured.err
        assert "Traceback" not in captured.err
        return Run(code, captured.out, captured.err)

    return run


def ids(*accounts: str) -> list[str]:
    return [arg for account in accounts for arg in ("--account-id", account)]


# -- balance --------------------------------------------------------------------------------


def test_balance_table_shows_dollars_top_up_and_payment_method(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT, balance_cents=4999)
    api.add_account(
        OTHER_ACCOUNT,
        balance_cents=123456,
        payment_method=None,
        has_default_payment_method=False,
        topup_amount_cents=None,
        topup_threshold_cents=None,
        disabled_reason="no payment method",
    )
    run = cli("balance", *ids(ACCOUNT, OTHER_ACCOUNT))
    assert run.code == ExitCode.OK
    assert run.out.splitlines() == [
        "ACCOUNT                             BALANCE  AUTO TOP-UP               PAYMENT METHOD",
        "0123456789abcdef0123456789abcdef     $49.99  $20.00 when under $10.00  visa ••4242",
        "fedcba9876543210fedcba9876543210  $1,234.56  off (no payment method)   none",
    ]
    assert run.err == ""


def test_balance_table_shows_an_unreadable_account_as_an_error_row(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT, balance_cents=4999.5)
    run = cli("balance", *ids(OTHER_ACCOUNT, ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    _header, missing, present = run.out.splitlines()
    assert missing.startswith(f"{OTHER_ACCOUNT}    error  AccountNotFoundError: Cloudflare found no account")
    assert present.startswith(f"{ACCOUNT}  $49.995  ")
    assert "1 of 2 accounts could not be read" in run.err


def test_balance_table_strips_control_characters_from_server_text(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT, disabled_reason="\x1b[31mred\nalert", topup_amount_cents=None)
    run = cli("balance", *ids(ACCOUNT))
    assert "\x1b" not in run.out
    assert "off (?[31mred?alert)" in run.out


def test_balance_json_has_the_exact_shape_in_the_order_given(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT, balance_cents=4999.5, topup_error="card declined", last_failed_at_ms=1700000000000)
    api.add_account(OTHER_ACCOUNT, balance_cents=0, payment_method=None, first_topup_success=None)
    run = cli("balance", "--json", *ids(OTHER_ACCOUNT, ACCOUNT, OTHER_ACCOUNT))
    assert run.code == ExitCode.OK
    other: dict[str, Any] = {
        "account_id": OTHER_ACCOUNT,
        "balance": 0,
        "balance_usd": 0,
        "has_default_payment_method": True,
        "payment_method": None,
        "topup_config": {
            "enabled": True,
            "amount": 2000,
            "threshold": 1000,
            "amount_usd": 20,
            "threshold_usd": 10,
            "disabled_reason": None,
            "error": None,
            "last_failed_at": None,
        },
        "first_topup_success": None,
    }
    first = {
        **other,
        "account_id": ACCOUNT,
        "balance": 4999.5,
        "balance_usd": 49.995,
        "payment_method": {"brand": "visa", "last4": "4242"},
        "topup_config": {**other["topup_config"], "error": "card declined", "last_failed_at": 1700000000000},
        "first_topup_success": True,
    }
    assert run.json() == [other, first, other]  # nothing deduplicated
    assert api.request_count() == 3
    assert isinstance(run.json()[0]["balance"], int)


def test_balance_json_reports_a_failed_account_with_its_error(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT)
    api.add_account(OTHER_ACCOUNT)
    api.inject(OTHER_ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    run = cli("balance", "--json", *ids(OTHER_ACCOUNT, ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    failed, read = run.json()
    assert failed == {
        "account_id": OTHER_ACCOUNT,
        "error": {
            "type": "PermissionDeniedError",
            "message": failed["error"]["message"],
            "status": 403,
            "codes": [10000],
            "read": "balance",
        },
    }
    assert "AI Gateway Read" in failed["error"]["message"]
    assert set(read) == BALANCE_KEYS


# -- check ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance_cents", "floor", "code", "relation"),
    [
        (5000, "50", ExitCode.OK, "$50.00 ≥ floor $50.00"),
        (4999, "50", ExitCode.BELOW, "$49.99 < floor $50.00"),
        (4999.5, "49.995", ExitCode.OK, "$49.995 ≥ floor $49.995"),
        (4999.5, "49.996", ExitCode.BELOW, "$49.995 < floor $49.996"),
        (0, "0", ExitCode.OK, "$0.00 ≥ floor $0.00"),
    ],
)
def test_check_compares_exact_amounts_at_the_boundary(
    api: FakeCloudflareAPI, cli: CLI, balance_cents: float, floor: str, code: ExitCode, relation: str
) -> None:
    api.add_account(ACCOUNT, balance_cents=balance_cents)
    run = cli("check", "--floor-usd", floor, *ids(ACCOUNT))
    assert run.code == code
    status = "ok    " if code == ExitCode.OK else "BELOW "
    assert run.out.startswith(f"{status} {ACCOUNT}  {relation}")
    assert ("https://dash.cloudflare.com/?to=/:account/ai/ai-gateway" in run.out) == (code == ExitCode.BELOW)


def test_check_json_adds_the_floor_and_the_verdict(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT, balance_cents=4999.5)
    api.add_account(OTHER_ACCOUNT, balance_cents=5000)
    run = cli("check", "--floor-usd", "49.996", "--json", *ids(ACCOUNT, OTHER_ACCOUNT))
    assert run.code == ExitCode.BELOW
    below, fine = run.json()
    assert set(below) == BALANCE_KEYS | {"floor_usd", "below_floor", "problems"}
    assert (below["account_id"], below["balance"], below["floor_usd"], below["below_floor"]) == (
        ACCOUNT,
        4999.5,
        49.996,
        True,
    )
    assert (fine["account_id"], fine["below_floor"]) == (OTHER_ACCOUNT, False)
    assert "1 of 2 accounts are below the floor of $49.996" in run.err


def test_check_mixed_fleet_reports_every_account_and_exits_3(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT, balance_cents=9000)
    api.add_account(THIRD_ACCOUNT, balance_cents=100)
    # OTHER_ACCOUNT does not exist: 404, not retried. THIRD_ACCOUNT is below: still exit 3, not 1.
    run = cli("check", "--floor-usd", "50", "--concurrency", "1", *ids(ACCOUNT, OTHER_ACCOUNT, THIRD_ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    lines = run.out.splitlines()
    assert [line.split()[:2] for line in lines] == [["ok", ACCOUNT], ["ERROR", OTHER_ACCOUNT], ["BELOW", THIRD_ACCOUNT]]
    assert "AccountNotFoundError" in lines[1]
    assert "could not be read: the check cannot be vouched for (exit 3)" in run.err
    assert api.request_count() == 3


def test_check_mixed_fleet_json_keeps_order_and_marks_unknown_verdicts(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT, balance_cents=100)
    run = cli("check", "--floor-usd", "50", "--json", *ids(OTHER_ACCOUNT, ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    failed, below = run.json()
    assert (failed["account_id"], failed["error"]["type"], failed["error"]["status"]) == (
        OTHER_ACCOUNT,
        "AccountNotFoundError",
        404,
    )
    assert (failed["below_floor"], failed["floor_usd"]) == (None, 50)
    assert (below["account_id"], below["below_floor"]) == (ACCOUNT, True)


# -- exit 3: the API could not be read ------------------------------------------------------


def test_403_exits_3_at_once_without_retrying(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT)
    api.add_token(SENTINEL_TOKEN, accounts=[OTHER_ACCOUNT])  # valid, but not for ACCOUNT
    run = cli("check", "--floor-usd", "10", *ids(ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    assert run.out.startswith(f"ERROR  {ACCOUNT}  PermissionDeniedError: ")
    assert "'AI Gateway Read'" in run.out
    assert api.request_count() == 1


def test_401_for_a_refused_token_exits_3_without_echoing_it(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.reset()
    api.add_account(ACCOUNT)  # the sentinel token is not accepted any more
    run = cli("balance", "--json", *ids(ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    assert run.json()[0]["error"]["type"] == "AuthenticationError"
    assert api.request_count() == 1


def test_5xx_exits_3_after_retrying_until_the_deadline(
    api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    api.add_account(ACCOUNT)
    api.inject(ACCOUNT, Fault.server_error(503), times=None)
    clock = FakeClock()
    hooks = ReadHooks(clock=clock, sleep=clock.async_sleep, rng=random.Random(5))
    code = main(["check", "--floor-usd", "10", "--timeout", "1", "--json", *ids(ACCOUNT)], hooks=hooks)
    assert code == ExitCode.UNREADABLE
    error = json.loads(capsys.readouterr().out)[0]["error"]
    assert error["type"] == "DeadlineExceededError"  # the next backoff would end past the 1 s deadline
    assert error["status"] == 503
    assert api.request_count() == len(clock.sleeps) + 1 >= 2  # retried, each wait on the injected clock
    assert sum(clock.sleeps) < 1


def test_a_silent_api_exits_3_at_the_deadline(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT)
    api.inject(ACCOUNT, Fault.slow(30), times=None)
    run = cli("balance", "--timeout", "0.5", "--json", *ids(ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    assert run.json()[0]["error"]["type"] == "DeadlineExceededError"
    assert run.json()[0]["error"]["status"] is None


def test_a_rate_limit_longer_than_the_timeout_exits_3_at_once(api: FakeCloudflareAPI, cli: CLI) -> None:
    api.add_account(ACCOUNT)
    api.inject(ACCOUNT, Fault.rate_limited(retry_after="60"), times=None)
    run = cli("check", "--floor-usd", "10", "--timeout", "5", *ids(ACCOUNT))
    assert run.code == ExitCode.UNREADABLE
    assert "RateLimitedError" in run.out
    assert "try again in 60 s" in run.out
    assert api.request_count() == 1


# -- exit 2: usage and configuration errors, found before any request ----------------------


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["check", "--floor-usd", "50", "--account-id", "not-an-account"], {}, "not a Cloudflare account id"),
        (["check", "--floor-usd", "50", *ids(ACCOUNT, "0123")], {}, "--account-id: '0123' is not"),
        (["check", "--floor-usd", "50"], {}, "No Cloudflare account id was given"),
        (["balance"], {"CLOUDFLARE_ACCOUNT_ID": "xyz"}, "CLOUDFLARE_ACCOUNT_ID: 'xyz' is not"),
        (["check", "--floor-usd", "50", *ids(ACCOUNT)], {"CLOUDFLARE_API_TOKEN": None}, "No Cloudflare credentials"),
        (["balance", *ids(ACCOUNT)], {"CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN + "\n"}, "whitespace"),
        (["balance", *ids(ACCOUNT)], {"CLOUDFLARE_API_TOKEN": None, "CLOUDFLARE_API_KEY": "k"}, "without the email"),
        (["balance", *ids(ACCOUNT)], {"CLOUDFLARE_BASE_URL": "http://example.com/client/v4"}, "Cannot use base URL"),
        (["balance", "--accounts-file", "/nonexistent/accounts.txt"], {}, "Cannot read the accounts file"),
        (["check", "--floor-usd", "-1", *ids(ACCOUNT)], {}, "non-negative number of US dollars"),
        (["check", "--floor-usd", "fifty", *ids(ACCOUNT)], {}, "non-negative number of US dollars"),
        (["check", "--floor-usd", "NaN", *ids(ACCOUNT)], {}, "non-negative number of US dollars"),
        (["check", "--floor-usd", SENTINEL_TOKEN, *ids(ACCOUNT)], {}, "a 41-character value"),
        (["check", *ids(ACCOUNT)], {}, "--floor-usd"),
        (["balance", "--timeout", "0", *ids(ACCOUNT)], {}, "positive number of seconds"),
        (["balance", "--concurrency", "0", *ids(ACCOUNT)], {}, "from 1 to 256"),
        (["balance", "--account-id", SENTINEL_TOKEN], {}, "a 41-character value is not a Cloudflare account id"),
        ([], {}, "COMMAND"),
    ],
)
def test_usage_and_configuration_errors_exit_2_before_any_request(
    api: FakeCloudflareAPI,
    cli: CLI,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str | None],
    message: str,
) -> None:
    api.add_account(ACCOUNT)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    run = cli(*argv)
    assert run.code == ExitCode.USAGE
    assert message in run.err
    assert run.out == ""
    assert api.request_count() == 0


def test_a_bad_line_in_the_accounts_file_is_named_by_line(api: FakeCloudflareAPI, cli: CLI, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.txt"
    accounts.write_text(f"{ACCOUNT}\n\n# a comment\nnot-hex  # typo\n")
    run = cli("balance", "--accounts-file", str(accounts))
    assert run.code == ExitCode.USAGE
    assert f"{accounts}:4: 'not-hex' is not a Cloudflare account id" in run.err
    assert api.request_count() == 0


def test_help_and_version_exit_0_and_document_the_exit_codes(cli: CLI) -> None:
    run = cli("check", "--help")
    assert run.code == 0
    assert "3 wins over 1" in run.out
    assert cli("--version").out.startswith("cf-billing ")


# -- where accounts and credentials come from ---------------------------------------------


def test_accounts_file_ignores_comments_and_blanks_and_keeps_order(
    api: FakeCloudflareAPI, cli: CLI, tmp_path: Path
) -> None:
    for account in (ACCOUNT, OTHER_ACCOUNT, THIRD_ACCOUNT):
        api.add_account(account, balance_cents=6000)
    accounts = tmp_path / "fleet.txt"
    accounts.write_text(f"# production\n{THIRD_ACCOUNT}\n\n   {OTHER_ACCOUNT.upper()}   # staging\n")
    run = cli("check", "--floor-usd", "50", "--json", *ids(ACCOUNT), "--accounts-file", str(accounts))
    assert run.code == ExitCode.OK
    assert [entry["account_id"] for entry in run.json()] == [ACCOUNT, THIRD_ACCOUNT, OTHER_ACCOUNT]


def test_account_id_falls_back_to_the_environment(
    api: FakeCloudflareAPI, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.add_account(ACCOUNT, balance_cents=4999)
    api.add_account(OTHER_ACCOUNT)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    assert cli("check", "--floor-usd", "50").code == ExitCode.BELOW
    assert cli("check", "--floor-usd", "50", *ids(OTHER_ACCOUNT)).code == ExitCode.OK  # a flag wins
    assert (api.request_count(ACCOUNT), api.request_count(OTHER_ACCOUNT)) == (1, 1)


def test_global_api_key_and_email_from_the_environment(
    api: FakeCloudflareAPI, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.add_account(ACCOUNT)
    api.add_global_key("ops@example.com", SENTINEL_TOKEN)
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN")
    monkeypatch.setenv("CLOUDFLARE_API_KEY", SENTINEL_TOKEN)
    monkeypatch.setenv("CLOUDFLARE_EMAIL", "ops@example.com")
    assert cli("check", "--floor-usd", "50", *ids(ACCOUNT)).code == ExitCode.OK
    assert api.requests[0].auth_kind == "global_key"


@pytest.mark.parametrize("failure", ["refused", "not granted", "server error", "no account"])
def test_the_credential_never_appears_in_any_output(
    api: FakeCloudflareAPI, cli: CLI, capsys: pytest.CaptureFixture[str], failure: str
) -> None:
    api.add_account(ACCOUNT)
    if failure == "refused":
        api.reset()
        api.add_account(ACCOUNT)
    elif failure == "not granted":
        api.add_token(SENTINEL_TOKEN, accounts=[OTHER_ACCOUNT])
    elif failure == "server error":
        api.inject(ACCOUNT, Fault.server_error(500), times=None)
    account = OTHER_ACCOUNT if failure == "no account" else ACCOUNT
    for argv in (
        ["balance"],
        ["balance", "--json"],
        ["check", "--floor-usd", "1"],
        ["check", "--floor-usd", "1", "--json"],
    ):
        run = cli(*argv, "--timeout", "0.3", *ids(account))
        assert run.code == ExitCode.UNREADABLE
        assert SENTINEL_TOKEN not in run.out + run.err
        assert SENTINEL_TOKEN[:20] not in run.out + run.err


# -- progress ---------------------------------------------------------------------------------


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_on_a_terminal_for_large_fleets_and_erases_itself() -> None:
    stream = TTY()
    progress = Progress(21, stream)
    progress.update(ACCOUNT, None)
    progress.update(ACCOUNT, None)
    progress.finish()
    assert stream.getvalue() == "\r1/21 accounts read\r2/21 accounts read\r" + " " * 19 + "\r"


@pytest.mark.parametrize(("total", "stream"), [(20, TTY()), (500, io.StringIO())])
def test_progress_stays_silent_for_small_fleets_and_pipes(total: int, stream: io.StringIO) -> None:
    progress = Progress(total, stream)
    progress.update(ACCOUNT, None)
    progress.finish()
    assert stream.getvalue() == ""


def test_a_large_fleet_is_read_in_order_without_progress_on_a_pipe(api: FakeCloudflareAPI, cli: CLI) -> None:
    accounts = [f"{n:032x}" for n in range(1, 26)]
    for n, account in enumerate(accounts):
        api.add_account(account, balance_cents=n * 1000)
    run = cli("balance", "--json", "--concurrency", "4", *ids(*accounts))
    assert run.code == ExitCode.OK
    assert [(entry["account_id"], entry["balance"]) for entry in run.json()] == [
        (account, n * 1000) for n, account in enumerate(accounts)
    ]
    assert run.err == ""


# -- serialisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("4999.5"), 4999.5), (Decimal("49.995"), 49.995), (Decimal("5000.00"), 5000), (Decimal("1E+3"), 1000)],
)
def test_json_number_keeps_integers_integral(value: Decimal, expected: float) -> None:
    number = json_number(value)
    assert number == expected
    assert isinstance(number, int) == (value == value.to_integral_value())


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9))
def test_json_number_round_trips_through_json(value: Decimal) -> None:
    assert Decimal(json.dumps(json_number(value))) == value


# -- the real console script ----------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in CLOUDFLARE_ENV}
    return {**env, **extra}


def run_module(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pulumi_cf_billing.cli", *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603


def run_process(api: FakeCloudflareAPI, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``cf-billing ARGV`` as a process against ``api`` with the sentinel token; fails on a leak or a traceback."""
    done = run_module(
        *argv, env=clean_env(**{"CLOUDFLARE_BASE_URL": api.base_url, "CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN, **env})
    )
    assert "Traceback" not in done.stderr
    assert SENTINEL_TOKEN not in done.stdout + done.stderr
    return done


def test_the_module_runs_as_a_console_script(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, balance_cents=4999)
    env = clean_env(CLOUDFLARE_BASE_URL=api.base_url, CLOUDFLARE_API_TOKEN=SENTINEL_TOKEN)
    below = run_module("check", "--floor-usd", "50", *ids(ACCOUNT), env=env)
    assert (below.returncode, below.stdout.split()[:3]) == (1, ["BELOW", ACCOUNT, "$49.99"])
    refused = run_module("check", "--floor-usd", "50", *ids(ACCOUNT), env={**env, "CLOUDFLARE_API_TOKEN": "wrong"})
    assert refused.returncode == 3
    usage = run_module("check", "--floor-usd", "50", env=env)
    assert usage.returncode == 2
    for result in (below, refused, usage):
        assert "Traceback" not in result.stderr
        assert SENTINEL_TOKEN not in result.stdout + result.stderr


@contextmanager
def cli_process(argv: list[str], env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``cf-billing ARGV`` as a real process, and the first line it prints; killed and reaped afterwards."""
    command = [sys.executable, "-m", "pulumi_cf_billing.cli", *argv]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert process.stdout is not None
        yield process, process.stdout.readline().strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def fake_api_process(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``cf-billing fake-api`` in a subprocess, with extra arguments and environment from the param; and its URL."""
    argv, env = getattr(request, "param", ([], {}))
    with cli_process(["fake-api", "--port", "0", *argv], clean_env(**env)) as started:
        yield started


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_fake_api_serves_the_demo_account_until_signalled(
    fake_api_process: tuple[subprocess.Popen[str], str], stop: signal.Signals
) -> None:
    process, base_url = fake_api_process
    assert base_url.startswith("http://127.0.0.1:")
    url = f"{base_url}/accounts/{ACCOUNT}/ai-gateway/billing/credit-balance"
    response = httpx.get(url, headers={"Authorization": "Bearer fake-token"}, timeout=10)
    assert response.json()["result"]["balance"] == 5000
    process.send_signal(stop)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in err
    assert "'fake-token'" in err


@pytest.mark.parametrize(
    "fake_api_process", [(["--account", f"{OTHER_ACCOUNT}=4999.5", "--token", SENTINEL_TOKEN], {})], indirect=True
)
def test_fake_api_serves_the_accounts_and_tokens_given(fake_api_process: tuple[subprocess.Popen[str], str]) -> None:
    process, base_url = fake_api_process
    env = clean_env(CLOUDFLARE_BASE_URL=base_url, CLOUDFLARE_API_TOKEN=SENTINEL_TOKEN)
    run = run_module("check", "--floor-usd", "49.995", "--json", *ids(OTHER_ACCOUNT, ACCOUNT), env=env)
    first, second = json.loads(run.stdout)
    assert (first["balance"], first["below_floor"]) == (4999.5, False)
    assert second["error"]["type"] == "AccountNotFoundError"  # no demo account when --account is given
    assert run.returncode == 3
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert SENTINEL_TOKEN not in err


@pytest.mark.parametrize("fake_api_process", [([], {"CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN})], indirect=True)
def test_fake_api_accepts_the_token_from_the_environment(fake_api_process: tuple[subprocess.Popen[str], str]) -> None:
    process, base_url = fake_api_process
    url = f"{base_url}/accounts/{ACCOUNT}/ai-gateway/billing/credit-balance"
    accepted = httpx.get(url, headers={"Authorization": f"Bearer {SENTINEL_TOKEN}"}, timeout=10)
    refused = httpx.get(url, headers={"Authorization": "Bearer fake-token"}, timeout=10)
    assert (accepted.status_code, refused.status_code) == (200, 401)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "CLOUDFLARE_API_TOKEN" in err
    assert SENTINEL_TOKEN not in err


@pytest.mark.parametrize("token", ["with space", ""])
def test_fake_api_refuses_an_unusable_token_with_exit_2(cli: CLI, token: str) -> None:
    run = cli("fake-api", "--token", token)
    assert run.code == ExitCode.USAGE
    assert "Cannot accept that API token" in run.err


def test_fake_api_refuses_a_malformed_account_with_exit_2(cli: CLI) -> None:
    run = cli("fake-api", "--account", "not-hex=100")
    assert run.code == ExitCode.USAGE
    assert "ACCOUNT_ID=BALANCE_CENTS" in run.err


def test_start_up_loads_neither_the_pulumi_surface_nor_the_fake_api() -> None:
    # The generated functions' name table (pulumi_cf_billing._pulumi._generated, no pulumi import) is all
    # of the Pulumi surface the package's names need; the functions themselves load on first use.
    probe = (
        "import sys; from pulumi_cf_billing.cli import main; "
        "print(sorted(m for m in sys.modules if m.startswith(('pulumi_cf_billing.testing', "
        "'pulumi_cf_billing._pulumi.', 'pulumi.')) or m in ('pulumi', 'httpcore')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    assert loaded.stdout.strip() == "['pulumi_cf_billing._pulumi._generated']"
