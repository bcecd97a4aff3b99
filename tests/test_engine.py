"""End to end under the real Pulumi engine: the example program, a local file backend, the fake API.

The engine comes from ``tools/engine/build`` (or a ``pulumi`` already on PATH). Marker ``engine``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault, LocalStack

from .conftest import ACCOUNT, REPO, SENTINEL_TOKEN

pytestmark = pytest.mark.engine


GUARD_TYPE = "pulumi-python:dynamic/cf-billing:CreditBalanceGuard"
BREACH = "are not enough to deploy: balance $9.99 is below the floor $10.00"


@pytest.fixture
def stack(engine_bin_dir: Path, fake_cloudflare_api: FakeCloudflareAPI, tmp_path: Path) -> LocalStack:
    """A fresh stack of the example program, configured for the fake API with the sentinel token as a secret."""
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000, topup_amount_cents=2000, topup_threshold_cents=1000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    local = LocalStack(REPO, tmp_path, bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=_clean_env())
    local.init(
        config={
            "cf-billing:accountId": ACCOUNT,
            "cf-billing:floorUsd": "10",
            "cloudflare:baseUrl": fake_cloudflare_api.base_url,
        },
        secrets={"cloudflare:apiToken": SENTINEL_TOKEN},
    )
    return local


def _clean_env() -> dict[str, str]:
    """No Cloudflare settings from the machine running the tests."""
    return {key: "" for key in os.environ if key.startswith("CLOUDFLARE_")}


def test_up_above_the_floor_exports_balance_and_topup(stack: LocalStack) -> None:
    preview = stack.preview()
    assert "ai-credits" in preview.stdout
    stack.up()
    outputs = stack.outputs()
    assert outputs["balance_usd"] == 50
    assert outputs["topup_config"]["amount_usd"] == 20
    assert outputs["topup_config"]["threshold"] == 1000
    assert outputs["guard_status"] == "ok"
    assert outputs["released_version"] == "1"


def test_balance_changes_reach_outputs_and_refresh(stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI) -> None:
    stack.up()
    unchanged = stack.preview(check=False, expect_no_changes=True)
    assert unchanged.returncode == 0, unchanged.output
    fake_cloudflare_api.accounts[ACCOUNT].balance_cents = 4200
    stack.up()
    assert stack.outputs()["balance_usd"] == 42
    fake_cloudflare_api.accounts[ACCOUNT].balance_cents = 3900
    stack.refresh()
    exported = stack.export()
    guard = next(r for r in exported["deployment"]["resources"] if r["urn"].endswith("::ai-credits"))
    assert guard["outputs"]["balance_usd"] == 39
    assert not {"baseline_balance_usd", "baseline_at", "changed_at"} & set(guard["outputs"])  # no memory in state


def test_below_the_floor_preview_and_up_fail_and_nothing_downstream_is_created(
    stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI
) -> None:
    fake_cloudflare_api.accounts[ACCOUNT].balance_cents = 999
    preview = stack.preview(check=False)
    up = stack.up(check=False)
    for result in (preview, up):
        assert result.returncode != 0
        assert BREACH in result.output
        assert "Traceback" not in result.output
    exported = stack.export()
    assert not any("chat-app" in r["urn"] for r in exported["deployment"].get("resources") or [])


def test_below_the_floor_an_existing_release_is_not_updated(
    stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI
) -> None:
    stack.up()
    fake_cloudflare_api.accounts[ACCOUNT].balance_cents = 999
    stack.set_config("app:version", "2")
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert BREACH in refused.output
    assert stack.outputs()["released_version"] == "1"


def test_forbidden_or_unreachable_api_fails_clearly(stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    forbidden = stack.preview(check=False)
    assert forbidden.returncode != 0
    assert "'AI Gateway Read' or 'AI Gateway Write'" in forbidden.output
    stack.set_config("cloudflare:baseUrl", "http://127.0.0.1:9/client/v4")
    unreachable = stack.preview(check=False)
    assert unreachable.returncode != 0
    # The example's outputs and its guard share one read, so whichever reports first says it.
    assert "The connection to 127.0.0.1 failed for account " + ACCOUNT in unreachable.output
    # Only the 403 is sure to be free of Python noise: with the host unreachable, the program's own
    # read may still be retrying when the engine stops it, and Python prints that interruption.
    assert "Traceback" not in forbidden.output


def test_on_error_warn_deploys_with_a_warning(
    engine_bin_dir: Path, fake_cloudflare_api: FakeCloudflareAPI, tmp_path: Path
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    fake_cloudflare_api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    program = REPO / "tests" / "engine_programs" / "warn_only"
    local = LocalStack(program, tmp_path, bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=_clean_env())
    local.init(
        config={"cf-billing:accountId": ACCOUNT, "cloudflare:baseUrl": fake_cloudflare_api.base_url},
        secrets={"cloudflare:apiToken": SENTINEL_TOKEN},
    )
    result = local.up()
    assert "warning" in result.output
    assert "could not read the AI Gateway balance" in result.output
    assert local.outputs()["guard_status"] == "unreadable"


def test_the_token_is_in_no_state_and_no_export(stack: LocalStack) -> None:
    stack.up()
    assert SENTINEL_TOKEN not in stack.state_files_text()
    assert SENTINEL_TOKEN not in json.dumps(stack.export())
    assert SENTINEL_TOKEN not in json.dumps(stack.outputs())
    shown = stack.export(show_secrets=True)
    # The engine records the stack config as the inputs of Pulumi's own default provider for dynamic
    # resources, so a decrypted export shows it there, as `pulumi config --show-secrets` would; it
    # must be nowhere else: not in the guard, not in the serialized provider.
    holders = [r["urn"] for r in shown["deployment"]["resources"] if SENTINEL_TOKEN in json.dumps(r)]
    assert holders == ["urn:pulumi:dev::cf-billing-example::pulumi:providers:pulumi-python::default"]


def test_a_token_from_the_environment_is_in_no_export_at_all(
    engine_bin_dir: Path, fake_cloudflare_api: FakeCloudflareAPI, tmp_path: Path
) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    env = _clean_env() | {"CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN}
    local = LocalStack(REPO, tmp_path, bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=env)
    local.init(config={"cf-billing:accountId": ACCOUNT, "cloudflare:baseUrl": fake_cloudflare_api.base_url})
    local.up()
    assert local.outputs()["guard_status"] == "ok"
    assert SENTINEL_TOKEN not in json.dumps(local.export(show_secrets=True))
    assert SENTINEL_TOKEN not in local.state_files_text()


def test_destroy_makes_no_api_call(stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI) -> None:
    stack.up()
    fake_cloudflare_api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    before = fake_cloudflare_api.request_count()
    stack.destroy()
    # The program is not run by destroy, and the guard's delete reads nothing.
    assert fake_cloudflare_api.request_count() == before


def test_a_newer_build_of_this_package_changes_nothing(stack: LocalStack, tmp_path: Path) -> None:
    stack.up()
    before = _guard_state(stack)
    stack.use_virtualenv(_virtualenv_with_newer_build(tmp_path / "newer-venv"))
    preview = stack.preview(check=False, expect_no_changes=True, diff=True)
    assert preview.returncode == 0, preview.output
    stack.up()
    after = _guard_state(stack)
    assert (after["id"], after["modified"], after["inputs"]) == (before["id"], before["modified"], before["inputs"])


def _guard_state(stack: LocalStack) -> dict[str, Any]:
    exported = stack.export()
    return next(r for r in exported["deployment"]["resources"] if r["urn"].endswith("::ai-credits"))


def _virtualenv_with_newer_build(path: Path) -> Path:
    """A virtualenv seeing this one's packages, with a copy of pulumi_cf_billing whose version is bumped."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)  # noqa: S603
    site = next(path.glob("lib/python*/site-packages"))
    here = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "pulumi").is_dir())
    (site / "base_environment.pth").write_text(here + "\n")
    package = site / "pulumi_cf_billing"
    shutil.copytree(REPO / "pulumi_cf_billing", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "_version.py").write_text('__version__ = "99.0.0"\n')
    version = subprocess.run(  # noqa: S603  # the interpreter just created
        [str(path / "bin" / "python"), "-c", "import pulumi_cf_billing; print(pulumi_cf_billing.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=path,
    )
    assert version.stdout.strip() == "99.0.0"
    return path


def test_one_run_asks_cloudflare_once_per_account(stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI) -> None:
    stack.up()  # the outputs and the guard of the example read the same account
    assert fake_cloudflare_api.request_count(ACCOUNT) == 1
    stack.refresh()  # only the guard's provider reads
    assert fake_cloudflare_api.request_count(ACCOUNT) == 2


def test_measured_spend_refuses_a_deploy_the_floor_alone_would_allow(
    stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI
) -> None:
    stack.up()  # $50 against a $10 floor, no runway rule: one request, the balance
    assert fake_cloudflare_api.request_count(ACCOUNT) == 1
    fake_cloudflare_api.accounts[ACCOUNT].spend_usd_per_day = 10  # $40 of headroom lasts 4 days
    stack.set_config("cf-billing:minRunwayDays", "7")
    stack.set_config("app:version", "2")
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert "at $10.00 a day (the mean of the last 7 days) the floor is 4.0 days away, under the 7 required" in (
        refused.output
    )
    assert stack.outputs()["released_version"] == "1"
    # With the rule, a run asks twice per account: the balance and the usage history.
    assert fake_cloudflare_api.request_count(ACCOUNT, "credit-balance") == 2
    assert fake_cloudflare_api.request_count(ACCOUNT, "usage-history") == 1
    stack.set_config("cf-billing:minRunwayDays", "3")
    stack.up()
    assert stack.outputs()["released_version"] == "2"
    assert stack.outputs()["days_until_floor"] == 4


def test_the_provider_host_starts_while_the_program_reads(
    stack: LocalStack, fake_cloudflare_api: FakeCloudflareAPI, engine_bin_dir: Path, tmp_path: Path
) -> None:
    # The guard registers once the program has read and judged; the engine starts the dynamic-provider
    # host on the first request for it. With a slow read, a host started by the guard's registration
    # would start after the read: it must start before, so that its start-up and the read overlap.
    stack.up()
    fake_cloudflare_api.latency_s = 1.5
    env = {**os.environ, **stack.workspace.env_vars, "PULUMI_HOME": str(tmp_path / "home")}
    preview = subprocess.run(  # noqa: S603  # the engine under test, in the stack's own project
        [str(engine_bin_dir / "pulumi"), "preview", "--stack", "dev", "--non-interactive", "-v=9", "--logtostderr"],
        cwd=stack.project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    order = [
        event
        for line in preview.stderr.splitlines()
        if line.startswith("{")
        for message in [json.loads(line).get("msg", "")]
        for event, marker in (
            ("host launched", "Launching plugin 'pulumi-python"),
            # The SDK's line once the guard's inputs are known (the engine's "received" line comes after
            # it has started the guard's provider).
            ("guard registering", f"resource registration prepared: ty={GUARD_TYPE}"),
        )
        if marker in message
    ]
    assert list(dict.fromkeys(order)) == ["host launched", "guard registering"]  # first of each, in order
    assert "startProviderHost" not in preview.stdout  # the dropped answer is not shown
    assert fake_cloudflare_api.request_count(ACCOUNT) == 2  # the up's read and the preview's, no more
