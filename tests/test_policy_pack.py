"""The CrossGuard policy pack: its judgement against the fake API, its CLI, and (marker ``engine``) the real engine
running it for a YAML program and a Python program that never imports this library."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_cf_billing import CreditBalanceClient, __version__
from pulumi_cf_billing.cli import ExitCode, main
from pulumi_cf_billing.policy import PACK_DIR, POLICY_NAME, AccountJudge, accounts_in, credit_floor_policy
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault, LocalStack

from .conftest import ACCOUNT, OTHER_ACCOUNT, REPO, SENTINEL_TOKEN

BREACH = f"{POLICY_NAME}: AI Gateway credits of account {ACCOUNT} are not enough to deploy: balance $49.99 is below"


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=4999)
    fake_cloudflare_api.add_account(OTHER_ACCOUNT, balance_cents=100_000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api


def judge_for(api: FakeCloudflareAPI) -> AccountJudge:
    return AccountJudge(lambda: CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url, environ={}))


def test_the_judge_reads_each_account_once_and_says_the_guards_line(api: FakeCloudflareAPI) -> None:
    judge = judge_for(api)
    config = {"floorUsd": 50}
    for _ in range(3):
        assert (judge.problem(ACCOUNT, config) or "").startswith(BREACH)
        assert judge.problem(OTHER_ACCOUNT, config) is None
    assert api.request_count(ACCOUNT) == api.request_count(OTHER_ACCOUNT) == 1


def test_the_judge_fails_closed_unless_told_to_warn(api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]) -> None:
    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    problem = judge_for(api).problem(ACCOUNT, {"floorUsd": 10})
    assert problem is not None
    assert "'AI Gateway Read' or 'AI Gateway Write'" in problem
    assert judge_for(api).problem(ACCOUNT, {"floorUsd": 10, "onError": "warn"}) is None
    assert "could not read" in capsys.readouterr().err
    assert SENTINEL_TOKEN not in problem


def test_the_judge_applies_the_runway_and_spending_limit_rules(api: FakeCloudflareAPI) -> None:
    api.accounts[OTHER_ACCOUNT].spend_usd_per_day = 100
    problem = judge_for(api).problem(OTHER_ACCOUNT, {"floorUsd": 10, "minRunwayDays": 30, "requireSpendingLimit": True})
    assert problem is not None
    assert "at $100.00 a day" in problem
    assert "an account spending limit must be enabled" in problem


@pytest.mark.parametrize(
    ("resource_type", "props", "expected"),
    [
        ("cloudflare:index/aiGateway:AiGateway", {"accountId": ACCOUNT}, [ACCOUNT]),
        ("cloudflare:index/workersScript:WorkersScript", {"account_id": ACCOUNT}, [ACCOUNT]),
        ("aws:s3/bucket:Bucket", {"accountId": ACCOUNT}, []),
        ("cloudflare:index/zone:Zone", {"accountId": None}, []),
        ("cloudflare:index/zone:Zone", {"account": {"id": ACCOUNT}}, [ACCOUNT]),
        ("cloudflare:index/zone:Zone", {"account": {"id": None}}, []),
    ],
)
def test_the_accounts_a_stack_deploys_to_come_from_cloudflare_resources(
    resource_type: str, props: dict[str, object], expected: list[str]
) -> None:
    assert accounts_in(resource_type, props) == expected


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"floorUsd": 10**12 + 1}, "floorUsd"),
        ({"floorUsd": "1." + "0" * 31}, "floorUsd"),
        ({"floorUsd": 10, "minRunwayDays": 10**12}, "minRunwayDays"),
        ({"floorUsd": 10, "requireSpendingLimit": "false"}, "requireSpendingLimit"),
    ],
)
@pytest.mark.parametrize("on_error", ["fail", "warn"])
def test_a_bad_config_is_one_violation_naming_its_key_whatever_on_error(
    api: FakeCloudflareAPI, config: dict[str, object], key: str, on_error: str
) -> None:
    judge = judge_for(api)
    problems = judge.new_problems([ACCOUNT, OTHER_ACCOUNT], {**config, "onError": on_error})
    assert len(problems) == 1
    assert problems[0].startswith(f"{POLICY_NAME}: the policy config is not valid: {key} must be")
    assert judge.new_problems([ACCOUNT], {**config, "onError": on_error}) == []  # said once per run
    assert api.request_count() == 0


def test_each_account_is_reported_once_per_run(api: FakeCloudflareAPI) -> None:
    judge = judge_for(api)
    config = {"floorUsd": 50, "accountIds": [ACCOUNT]}
    first = judge.new_problems([ACCOUNT], config)  # the stack resource
    later = [judge.new_problems([ACCOUNT, OTHER_ACCOUNT], config) for _ in range(3)]  # the provider, resources
    assert [problem.startswith(BREACH) for problem in first] == [True]
    assert later == [[], [], []]
    assert api.request_count(ACCOUNT) == api.request_count(OTHER_ACCOUNT) == 1


def test_the_pack_has_the_packages_version() -> None:
    declared = (PACK_DIR / "PulumiPolicy.yaml").read_text()
    assert f"version: {__version__} " in declared


def test_the_policy_declares_its_config_schema() -> None:
    policy = credit_floor_policy()
    assert policy.name == POLICY_NAME
    assert policy.config_schema.required == ["floorUsd"]
    assert policy.config_schema.properties["accountIds"]["items"]["pattern"] == "^[0-9a-f]{32}$"
    floor = policy.config_schema.properties["floorUsd"]
    assert (floor["type"], floor["minimum"], floor["maximum"]) == ("number", 0, 10**12)
    assert "onBreach" not in policy.config_schema.properties  # the enforcement level decides


def test_the_cli_prints_the_pack_and_writes_one_to_publish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy-pack", "path"]) == ExitCode.OK
    assert Path(capsys.readouterr().out.strip()) == PACK_DIR
    target = tmp_path / "our-pack"
    assert main(["policy-pack", "init", str(target)]) == ExitCode.OK
    assert sorted(p.name for p in target.iterdir()) == ["PulumiPolicy.yaml", "__main__.py", "requirements.txt"]
    assert "pulumi_cf_billing.policy" in (target / "__main__.py").read_text()
    # installed here from this checkout: the pack requires it from there, not from an index that lacks it
    assert (target / "requirements.txt").read_text() == f"pulumi-cf-billing[policy] @ {REPO.as_uri()}\n"
    assert main(["policy-pack", "init", str(target)]) == ExitCode.USAGE  # not over an existing pack
    assert "not an empty directory" in capsys.readouterr().err


# -- under the engine --------------------------------------------------------------------------

Deploy = Callable[..., tuple[LocalStack, Path]]


@pytest.fixture
def deploy(engine_bin_dir: Path, api: FakeCloudflareAPI, tmp_path: Path) -> Deploy:
    """A stack of ``program`` with the pack configured by ``policy`` (the policy's own config)."""

    def make(program: str, policy: dict[str, object], *, token: str = SENTINEL_TOKEN) -> tuple[LocalStack, Path]:
        config = tmp_path / "policy-config.json"
        config.write_text(json.dumps({POLICY_NAME: {"enforcementLevel": "mandatory", **policy}}))
        env = {"CLOUDFLARE_API_TOKEN": token, "CLOUDFLARE_BASE_URL": api.base_url}
        project = REPO / "tests" / "engine_programs" / program
        stack = LocalStack(project, tmp_path / "work", bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=env)
        stack.init()
        return stack, config

    return make


def pack_options(config: Path) -> dict[str, object]:
    return {"policy_packs": [PACK_DIR], "policy_pack_configs": [config]}


@pytest.mark.engine
def test_a_yaml_program_is_refused_one_cent_under_the_floor_and_deploys_at_it(
    deploy: Deploy, api: FakeCloudflareAPI
) -> None:
    stack, config = deploy("yaml_outputs", {"floorUsd": 50, "accountIds": [ACCOUNT]})
    for refused in (stack.preview(check=False, **pack_options(config)), stack.up(check=False, **pack_options(config))):
        assert refused.returncode != 0
        assert refused.output.count(BREACH) == 1, refused.output  # once per account and run, not per resource
        assert f"cf-billing@v{__version__}" in refused.output
        assert SENTINEL_TOKEN not in refused.output
    assert not stack.export()["deployment"].get("resources")  # nothing of the stack was created
    api.accounts[ACCOUNT].balance_cents = 5000
    stack.up(**pack_options(config))
    assert stack.outputs()["greeting"] == "hello"


@pytest.mark.engine
def test_a_python_program_without_this_library_is_guarded_too(deploy: Deploy, api: FakeCloudflareAPI) -> None:
    stack, config = deploy("plain_python", {"floorUsd": 50, "accountIds": [ACCOUNT]})
    stack.set_config("app:count", "12")
    previewed = stack.preview(check=False, **pack_options(config))
    assert previewed.output.count(BREACH) == 1, previewed.output
    refused = stack.up(check=False, **pack_options(config))
    assert refused.returncode != 0
    assert refused.output.count(BREACH) == 1, refused.output  # twelve resources, one report per account and run
    assert not stack.export()["deployment"].get("resources")
    assert api.request_count(ACCOUNT) == 2  # and one read per run
    api.accounts[ACCOUNT].balance_cents = 6000
    stack.up(**pack_options(config))
    assert stack.outputs()["things"] == 12
    assert api.request_count(ACCOUNT) == 3


@pytest.mark.engine
def test_advisory_warns_and_the_deploy_proceeds(deploy: Deploy) -> None:
    stack, config = deploy("yaml_outputs", {"floorUsd": 50, "accountIds": [ACCOUNT], "enforcementLevel": "advisory"})
    done = stack.up(**pack_options(config))
    assert BREACH in done.output
    assert stack.outputs()["greeting"] == "hello"


@pytest.mark.engine
def test_a_token_without_permission_fails_closed_with_the_hint(deploy: Deploy, api: FakeCloudflareAPI) -> None:
    api.add_token("token-for-another-account", accounts=[OTHER_ACCOUNT])
    stack, config = deploy("yaml_outputs", {"floorUsd": 10, "accountIds": [ACCOUNT]}, token="token-for-another-account")
    refused = stack.preview(check=False, **pack_options(config))
    assert refused.returncode != 0
    assert "could not read the AI Gateway balance" in refused.output
    assert "'AI Gateway Read' or 'AI Gateway Write'" in refused.output
    assert "token-for-another-account" not in refused.output


@pytest.mark.engine
def test_a_config_out_of_bounds_is_refused_naming_its_key_even_when_errors_only_warn(
    deploy: Deploy, api: FakeCloudflareAPI
) -> None:
    stack, config = deploy("yaml_outputs", {"floorUsd": 10, "minRunwayDays": 10**12, "onError": "warn"})
    refused = stack.preview(check=False, **pack_options(config))
    assert refused.returncode != 0
    assert "minRunwayDays" in refused.output
    assert "could not read" not in refused.output
    assert api.request_count() == 0


@pytest.mark.engine
def test_a_bad_config_value_is_an_error_naming_its_key(deploy: Deploy, api: FakeCloudflareAPI) -> None:
    stack, config = deploy("yaml_outputs", {"floorUsd": "lots", "accountIds": [ACCOUNT]})
    refused = stack.preview(check=False, **pack_options(config))
    assert refused.returncode != 0
    assert "floorUsd" in refused.output
    assert api.request_count() == 0  # refused before any read
