"""The ``cf-billing`` provider plugin under the real engine (marker ``engine``): Pulumi YAML programs using its
function and its guard. The plugin process over gRPC, without the engine, is tested in ``tests/plugin``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation.errors import CommandError

from pulumi_cf_billing.testing import FakeCloudflareAPI, LocalStack

from .conftest import ACCOUNT, REPO, SENTINEL_TOKEN

# Pulumi's wire encoding of a secret value (sdk/go/common/resource/sig): a map with this signature key.
SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
GUARD_LINE = f"CreditBalanceGuard: AI Gateway credits of account {ACCOUNT} are not enough to deploy: balance $9.99"


@pytest.fixture
def api_(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000, spending_limit={"amount": 100, "duration": "daily"})
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api


def _stack(
    project: str, engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path, secrets: dict[str, str] | None = None
) -> LocalStack:
    """A stack of ``tests/engine_programs/<project>``; credentials, base URL and default account in its environment."""
    env = {
        "CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN,
        "CLOUDFLARE_BASE_URL": api_.base_url,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
    }
    project_dir = REPO / "tests" / "engine_programs" / project
    stack = LocalStack(project_dir, tmp_path, bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=env)
    stack.init(secrets=secrets)
    return stack


@pytest.fixture
def yaml_stack(engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path) -> LocalStack:
    return _stack("yaml_plugin", engine_bin_dir, api_, tmp_path)


@pytest.mark.engine
def test_a_yaml_program_exports_the_balance_through_the_plugin(yaml_stack: LocalStack) -> None:
    yaml_stack.up()
    outputs = yaml_stack.outputs()
    assert (outputs["balanceUsd"], outputs["thresholdUsd"], outputs["guardStatus"]) == (50, 10, "ok")


@pytest.mark.engine
def test_the_plugin_guard_refuses_a_cent_under_the_floor_and_leaves_dependents_alone(
    yaml_stack: LocalStack, api_: FakeCloudflareAPI
) -> None:
    api_.accounts[ACCOUNT].balance_cents = 999
    for refused in (yaml_stack.preview(check=False), yaml_stack.up(check=False)):
        assert refused.returncode != 0
        assert GUARD_LINE in refused.output
        assert SENTINEL_TOKEN not in refused.output
    resources = yaml_stack.export()["deployment"].get("resources") or []
    assert not any(r["urn"].endswith("::app") for r in resources)


@pytest.mark.engine
def test_state_holds_no_credential_and_no_code_and_destroy_reads_nothing(
    yaml_stack: LocalStack, api_: FakeCloudflareAPI
) -> None:
    yaml_stack.up()
    exported = json.dumps(yaml_stack.export(show_secrets=True))
    assert SENTINEL_TOKEN not in exported
    assert SENTINEL_TOKEN not in yaml_stack.state_files_text()
    guard = next(r for r in yaml_stack.export()["deployment"]["resources"] if r["urn"].endswith("::guard"))
    assert "__provider" not in guard["inputs"]  # a real custom resource: nothing pickled
    api_.accounts[ACCOUNT].balance_cents = 4200
    before = api_.request_count()
    yaml_stack.refresh()
    assert api_.request_count() > before  # refresh reads again
    guard = next(r for r in yaml_stack.export()["deployment"]["resources"] if r["urn"].endswith("::guard"))
    assert guard["outputs"]["balanceUsd"] == 42
    before = api_.request_count()
    yaml_stack.destroy()
    assert api_.request_count() == before


def _is_secret(value: Any) -> bool:
    """Whether ``value``, as ``pulumi stack export`` shows it, is a secret: its signature and ciphertext only."""
    return isinstance(value, dict) and value.get(SECRET_SIG[0]) == SECRET_SIG[1] and set(value) == {
        SECRET_SIG[0], "ciphertext"
    }  # fmt: skip


@pytest.mark.engine
def test_secret_guard_inputs_keep_every_derived_output_secret_in_state(
    engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path
) -> None:
    """A secret account id (stack config) and a secret floor (fn::secret) reach the state only as ciphertext."""
    stack = _stack("yaml_plugin_secret", engine_bin_dir, api_, tmp_path, secrets={"accountId": ACCOUNT})

    stack.up()

    resources = stack.export()["deployment"]["resources"]
    guard = next(r for r in resources if r["urn"].endswith("::guard"))
    for key in ("accountId", "floorUsd", "status", "message", "balanceUsd", "balance", "topupConfig"):
        assert _is_secret(guard["outputs"][key]), f"{key} is in the state in plain text: {guard['outputs'][key]!r}"
    for key in ("accountId", "floorUsd"):
        assert _is_secret(guard["inputs"][key])
    stack_outputs = next(r for r in resources if r["type"] == "pulumi:pulumi:Stack")["outputs"]
    assert _is_secret(stack_outputs["guardStatus"])
    assert stack.outputs()["guardStatus"] == "ok"  # there, decrypted
    state = stack.state_files_text()
    assert "12.34" not in state
    assert ACCOUNT not in state

    api_.accounts[ACCOUNT].balance_cents = 999
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert "balance $9.99 is below the floor [secret]" in refused.output
    assert "12.34" not in refused.output
    assert ACCOUNT not in refused.output


@pytest.mark.engine
def test_a_guard_input_unknown_in_preview_is_judged_at_up(
    engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path
) -> None:
    stack = _stack("yaml_plugin_unknown", engine_bin_dir, api_, tmp_path)

    previewed = stack.preview()
    assert api_.request_count() == 1  # the first guard's read; the second waits for its input
    refused = stack.up(check=False)

    assert "Traceback" not in previewed.output
    assert refused.returncode != 0
    assert "property onBreach value {credit-guard-" in refused.output
    assert "has a problem: onBreach must be 'fail' or 'warn'; got 'credit-guard-" in refused.output
    assert "Traceback" not in refused.output


@pytest.mark.engine
def test_pulumi_import_of_a_guard_says_to_declare_it(yaml_stack: LocalStack, api_: FakeCloudflareAPI) -> None:
    stack = yaml_stack
    command = ["import", "cf-billing:index:CreditBalanceGuard", "imported", "credit-guard-1", "--yes", "--stack", "dev"]

    with pytest.raises(CommandError) as raised:
        stack.workspace.pulumi_command.run(command, str(stack.project), stack.workspace.env_vars)

    output = str(raised.value)
    assert (
        "error: Preview failed: CreditBalanceGuard credit-guard-1 cannot be imported: a guard has nothing at "
        "Cloudflare to import. Declare it in the program (floorUsd is required) and run pulumi up."
    ) in output
    assert "Traceback" not in output
    assert api_.request_count() == 0
