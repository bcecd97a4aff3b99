"""How the engine finds the ``cf-billing`` plugin, and which ways are quiet (issue 18, "Plugin discovery").

``scripts/plugin-archive`` packs the plugin as ``pulumi plugin install --file`` expects it. Under the real
engine (marker ``engine``): the installed plugin deploys without the "using pulumi-resource-cf-billing from
$PATH" warning once ambient plugins are ignored; the plugin on PATH (an activated virtualenv) wins over the
installed one and warns; ``packages:`` naming the executable's directory is quiet with the virtualenv on
PATH; the source-based ``packages:`` entry needs a language host that runs resource plugins, which ours is not.
"""

from __future__ import annotations

import os
import platform
import select
import shlex
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path

import pytest

import pulumi_cf_billing.provider
from pulumi_cf_billing._version import __version__
from pulumi_cf_billing.testing import FakeCloudflareAPI, LocalStack

from .conftest import ACCOUNT, REPO, SENTINEL_TOKEN

SCRIPT = REPO / "scripts" / "plugin-archive"
EXECUTABLE = "pulumi-resource-cf-billing"
PATH_WARNING = f"using {EXECUTABLE} from $PATH at"
SCRIPT_TIMEOUT_S = 60
START_TIMEOUT_S = 30


def _machine() -> str:
    """This machine as Pulumi names it in plugin archives: ``linux-amd64``, ``darwin-arm64``."""
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine().lower()]
    return f"{platform.system().lower()}-{arch}"


def _plugin_archive(out_dir: Path, python: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # our own script, fixed arguments
        [str(SCRIPT), str(out_dir)],
        env={**os.environ, "PYTHON": python},
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin archive for this test run's interpreter (whose environment has pulumi-cf-billing)."""
    built = _plugin_archive(tmp_path_factory.mktemp("dist"), sys.executable)
    assert built.returncode == 0, built.stderr
    return Path(built.stdout.splitlines()[-1])


def test_the_archive_holds_one_executable_at_its_root_named_for_this_version_and_machine(archive: Path) -> None:
    assert archive.name == f"{EXECUTABLE}-v{__version__}-{_machine()}.tar.gz"
    with tarfile.open(archive) as packed:
        (member,) = packed.getmembers()
        script = packed.extractfile(member)
        assert script is not None
        text = script.read().decode()
    assert (member.name, member.isfile(), member.mode & 0o111) == (EXECUTABLE, True, 0o111)
    assert text.startswith("#!/bin/sh\n")
    command = ["exec", sys.executable, "-P", "-m", "pulumi_cf_billing.provider", "$@"]
    assert shlex.split(text.splitlines()[-1]) == command


def test_the_packed_executable_serves_the_installed_package_from_any_working_directory(
    archive: Path, tmp_path: Path
) -> None:
    """The engine starts a plugin in the project directory; a folder there named like our package is not imported."""
    with tarfile.open(archive) as packed:
        packed.extractall(tmp_path / "plugin", filter="data")
    decoy = tmp_path / "project" / "pulumi_cf_billing"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise SystemExit('the project folder shadowed the installed package')\n")
    process = subprocess.Popen(  # noqa: S603  # the executable this test just unpacked
        [str(tmp_path / "plugin" / EXECUTABLE), "127.0.0.1:1"],
        cwd=tmp_path / "project",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_S)
        first_line = process.stdout.readline().decode().strip() if ready else ""
    finally:
        process.kill()
        _, stderr = process.communicate(timeout=START_TIMEOUT_S)
    assert first_line.isdigit(), f"no port from the plugin: {first_line!r}; stderr: {stderr.decode()!r}"


@pytest.mark.parametrize(
    ("python", "says"),
    [
        ("/nonexistent/bin/python", "no Python interpreter at /nonexistent/bin/python: set PYTHON to"),
        ("no-such-python3", "no no-such-python3 on PATH: set PYTHON to"),
        ("{bare_venv}/bin/python", "{bare_venv}/bin/python cannot import pulumi_cf_billing.provider: install"),
    ],
)
def test_an_interpreter_without_the_package_gets_one_line_saying_what_to_do(
    python: str, says: str, tmp_path: Path
) -> None:
    bare_venv = tmp_path / "bare"
    subprocess.run(  # noqa: S603  # a virtualenv with nothing installed
        [sys.executable, "-m", "venv", "--without-pip", str(bare_venv)], check=True, timeout=SCRIPT_TIMEOUT_S
    )

    refused = _plugin_archive(tmp_path / "dist", python.format(bare_venv=bare_venv))

    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("scripts/plugin-archive: " + says.format(bare_venv=bare_venv))
    assert refused.stdout == ""
    assert not (tmp_path / "dist").exists()


# -- under the engine ------------------------------------------------------------------------------------------


@pytest.fixture
def api_(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api


def _stack(
    engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path, extra_env: Mapping[str, str] | None = None
) -> LocalStack:
    """A stack of ``tests/engine_programs/yaml_plugin`` with its own PULUMI_HOME; the virtualenv's bin is on PATH."""
    env = {
        "CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN,
        "CLOUDFLARE_BASE_URL": api_.base_url,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        **(extra_env or {}),
    }
    project_dir = REPO / "tests" / "engine_programs" / "yaml_plugin"
    stack = LocalStack(project_dir, tmp_path, bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=env)
    stack.init()
    return stack


def _install(stack: LocalStack, engine_bin_dir: Path, archive: Path) -> None:
    """``pulumi plugin install resource cf-billing VERSION --file ARCHIVE`` into the stack's PULUMI_HOME."""
    command = ["plugin", "install", "resource", "cf-billing", __version__, "--file", str(archive)]
    installed = subprocess.run(  # noqa: S603  # the engine's CLI, fixed arguments
        [str(engine_bin_dir / "pulumi"), *command],
        cwd=stack.project,
        env={**os.environ, **stack.workspace.env_vars, "PULUMI_HOME": str(stack.workspace.pulumi_home)},
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    plugin_dir = Path(str(stack.workspace.pulumi_home)) / "plugins" / f"resource-cf-billing-v{__version__}"
    assert [p.name for p in plugin_dir.iterdir()] == [EXECUTABLE]


def _add_package(stack: LocalStack, source: Path) -> None:
    """Add ``packages: {cf-billing: SOURCE}`` to the stack's copy of the program, as ``pulumi package add`` would."""
    manifest = stack.project / "Pulumi.yaml"
    manifest.write_text(manifest.read_text() + f"packages:\n  cf-billing: {source}\n")


def _assert_deployed_quietly(stack: LocalStack) -> None:
    for done in (stack.preview(), stack.up()):
        assert "warning" not in done.output.lower(), done.output
    assert stack.outputs()["balanceUsd"] == 50


@pytest.mark.engine
@pytest.mark.timeout(120)
def test_the_installed_plugin_deploys_quietly_when_ambient_plugins_are_ignored(
    engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path, archive: Path
) -> None:
    stack = _stack(engine_bin_dir, api_, tmp_path, {"PULUMI_IGNORE_AMBIENT_PLUGINS": "true"})
    missing = stack.preview(check=False)  # the one on PATH is not used, and nothing is installed yet
    assert missing.returncode != 0
    assert f"no resource plugin '{EXECUTABLE}' found in the workspace" in missing.output

    _install(stack, engine_bin_dir, archive)

    _assert_deployed_quietly(stack)


@pytest.mark.engine
@pytest.mark.timeout(120)
def test_the_plugin_on_path_wins_over_the_installed_one_and_warns(
    engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path, archive: Path
) -> None:
    stack = _stack(engine_bin_dir, api_, tmp_path)
    _install(stack, engine_bin_dir, archive)

    done = stack.up()

    on_path = Path(sys.prefix) / "bin" / EXECUTABLE
    assert f"warning: {PATH_WARNING} {on_path}" in done.output
    assert stack.outputs()["balanceUsd"] == 50


@pytest.mark.engine
@pytest.mark.timeout(120)
def test_packages_naming_the_directory_of_the_executable_is_quiet_with_the_virtualenv_on_path(
    engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path
) -> None:
    stack = _stack(engine_bin_dir, api_, tmp_path)
    _add_package(stack, Path(sys.prefix) / "bin")

    _assert_deployed_quietly(stack)


@pytest.mark.engine
@pytest.mark.timeout(120)
def test_the_source_based_package_needs_a_language_host_that_runs_resource_plugins(
    engine_bin_dir: Path, api_: FakeCloudflareAPI, tmp_path: Path
) -> None:
    """``packages:`` naming the plugin's source (PulumiPlugin.yaml, ``runtime: python``) asks the Python host to
    run it; ours runs policy packs only. When it learns to, this test fails: then document that route as quiet."""
    source = Path(pulumi_cf_billing.provider.__file__).parent
    before = sorted(p.name for p in source.iterdir())
    stack = _stack(engine_bin_dir, api_, tmp_path)
    _add_package(stack, source)

    refused = stack.preview(check=False)

    assert refused.returncode != 0
    assert (
        f"Error loading schema from plugin: could not read plugin [{source / EXECUTABLE}]: "
        'this Python language host runs policy packs only, not "resource" plugins'
    ) in refused.output
    assert "Traceback" not in refused.output
    assert sorted(p.name for p in source.iterdir()) == before  # no virtualenv or lock file left in the source
    assert api_.request_count() == 0
