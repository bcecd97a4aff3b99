"""README.md runs as written: every block of a checked language is run here, or is allow-listed with its reason.

Blocks in ``text``, ``console``, ``http``, ``xml`` or no language are output and files shown, not run (the
plain blocks after the Python program and the metrics command are compared with what those print).
Blocks in ``python``, ``yaml``, ``sh``, ``json`` and ``typescript`` are checked: each is run by a test
below (``RUN``, or its section for the first hour), parsed (``json``), or on ``ALLOWED`` with a reason,
and a checked block that is none of these fails ``test_every_checked_block_is_run_or_allowed``.

Everything runs on 127.0.0.1: the Python, YAML and policy-pack blocks under the real engine (marker
``engine``) against the fake Cloudflare API, the first hour from a copy of a fresh clone against a
``cf-billing fake-api`` process, as a newcomer types it. What differs from what a newcomer types,
and why, is listed in :func:`as_typed_here`, :func:`newcomer_env` and the docstring of the test concerned.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pulumi_cf_billing.testing import FakeCloudflareAPI, LocalStack

from .conftest import ACCOUNT, REPO, SENTINEL_TOKEN
from .readme_blocks import Block, copy_checkout, read_blocks, shows, split_last_command
from .test_metrics_cli import OPENMETRICS, poll_until

BLOCKS = read_blocks((REPO / "README.md").read_text())
CHECKED = {"python", "yaml", "sh", "json", "typescript"}
NOT_RUN = {"", "text", "console", "http", "xml"}  # output and files shown (xml: a JUnit report)
FIRST_HOUR = "Your first hour: deploy, then be refused, three ways"

# Blocks run by a test of this module, by how their first line starts (the first hour's: by their section).
PYTHON_PROGRAM = "import pulumi"
YAML_PROGRAM = "# Pulumi.yaml of a YAML program"
POLICY_PACK = "pip install '/path/to/pulumi-cf-billing[policy]'"
SYNOPSIS = "cf-billing balance [--account-id ID ...]"
METRICS = "cf-billing metrics --listen 127.0.0.1:9464"
RUN = {
    PYTHON_PROGRAM: "test_python_program_block",
    YAML_PROGRAM: "test_yaml_program_block",
    POLICY_PACK: "test_policy_pack_block",
    SYNOPSIS: "test_command_line_synopsis",
    METRICS: "test_metrics_block",
}
ALLOWED = {
    "# from a checkout": "pip resolves the package's dependencies (pulumi, httpx, ...) from a package registry; "
    "the first hour's setup uses this test's virtualenv instead",
    "./scripts/demo": "./scripts/test is the test command this test runs in; ./scripts/demo first pip-installs "
    "(a package registry): test_demo_program runs what it runs then, examples/demo.py under the engine",
    "import * as cfbilling": "no Node.js language host here, and tsc needs @pulumi/pulumi from the npm registry; "
    "scripts/check-sdk type-checks the SDK this imports (sdk/nodejs)",
}

BREACH = "are not enough to deploy: balance $9.99 is below the floor $10.00"
FAKE_API_PORT = "8787"
SCENE, REFUSED = "::readme scene", "::readme refused"
STARTUP_TIMEOUT_S = 60
SKIPPED_INSTALL = "true  # pip install skipped by tests/test_readme.py: .venv is the test's virtualenv"


def block_starting(first_line: str) -> Block:
    """The one block whose first line starts so."""
    found = [block for block in BLOCKS if block.first_line.startswith(first_line)]
    assert len(found) == 1, f"README.md has {len(found)} blocks starting {first_line!r}: {[str(b) for b in found]}"
    return found[0]


def plain_block_after(block: Block) -> Block:
    """The first output block (no language) after ``block`` in its section: what it prints."""
    later = BLOCKS[BLOCKS.index(block) + 1 :]
    found = next((b for b in later if b.section == block.section and not b.lang), None)
    assert found is not None, f"no output block follows {block}"
    return found


def test_every_checked_block_is_run_or_allowed() -> None:
    problems = []
    for block in BLOCKS:
        if block.lang not in CHECKED | NOT_RUN:
            problems.append(f"{block}: language {block.lang!r} is neither checked nor output; add it to one")
        elif block.lang == "json":
            try:
                json.loads(block.text)  # parsing is all a JSON block can do
            except ValueError as error:
                problems.append(f"{block}: not JSON: {error}")
        elif block.lang in CHECKED and block.section == FIRST_HOUR:
            if block.lang != "sh":
                problems.append(f"{block}: the first hour runs sh blocks only")
        elif block.lang in CHECKED:
            claims = [prefix for prefix in (*RUN, *ALLOWED) if block.first_line.startswith(prefix)]
            if len(claims) != 1:
                problems.append(f"{block}: run by no test here and not on ALLOWED (claimed by {claims})")
    assert not problems, "\n".join(problems)
    for prefix in (*RUN, *ALLOWED):
        block_starting(prefix)  # no stale entry
    assert all(callable(globals().get(name)) for name in RUN.values())


def newcomer_env(home: Path, **extra: str) -> dict[str, str]:
    """A fresh shell's environment on this machine: a new HOME, no Cloudflare or Pulumi settings of the test run.

    Added, so that nothing leaves the machine and the engine is not built again: the engine cache where
    ``tools/engine/build`` keeps it for this run (under the real HOME), PULUMI_SKIP_UPDATE_CHECK and
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION (no request to Pulumi's servers).
    """
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CLOUDFLARE_", "PULUMI_")) or name.startswith("PULUMI_CF_BILLING_")
    }
    cache = os.environ.get("PULUMI_CF_BILLING_ENGINE_CACHE") or str(Path.home() / ".cache/pulumi-cf-billing/engine")
    return {
        **kept,
        "HOME": str(home),
        "PULUMI_CF_BILLING_ENGINE_CACHE": cache,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        **extra,
    }


def as_typed_here(script: str, port: int | None = None) -> str:
    """A block as this test types it: the fake API on a free ``port`` (not 8787), and no ``pip install``.

    A line running ``pip install`` needs a package registry; it is skipped, as the package and its
    ``policy`` extra are already in the virtualenv the test runs in (the clone's ``.venv`` links to it).
    """
    if port is not None:
        script = re.sub(rf"\b{FAKE_API_PORT}\b", str(port), script)
    return "\n".join(SKIPPED_INSTALL if "pip install" in line else line for line in script.splitlines()) + "\n"


def bash(script: str, cwd: Path, env: dict[str, str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """``bash -e -c SCRIPT`` as a terminal runs it, stdout and stderr interleaved in ``stdout``."""
    return subprocess.run(  # noqa: S603  # README blocks, run on purpose
        ["bash", "-e", "-c", script],  # noqa: S607  # the shell a newcomer has
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def first_line_within(process: subprocess.Popen[str], what: str) -> str:
    """The first line ``process`` prints on stdout, within STARTUP_TIMEOUT_S."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT_S)
    assert ready, f"{what} printed nothing within {STARTUP_TIMEOUT_S} s"
    return process.stdout.readline().strip()


def stop(process: subprocess.Popen[str]) -> None:
    """Ctrl-C for the process group the test started, then wait (bounded); kill what is left."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    if process.stdout is not None:
        process.stdout.close()


def first_hour_script(blocks: list[Block], port: int) -> tuple[str, list[str]]:
    """The first terminal's blocks as one ``bash -e`` script, and the comment each scene's refusal carries.

    A scene is a block with a ``pulumi up``; its last command must be refused: it runs as the condition of
    an ``if`` (so ``-e`` lets it fail) and the script stops if it succeeds. Markers split the output.
    """
    parts, refusals = [], []
    for block in blocks:
        text = as_typed_here(block.text, port)
        if "pulumi up" not in text:
            parts.append(text)
            continue
        head, command, comment = split_last_command(text)
        refusals.append(comment)
        scene = len(refusals)
        parts += [f"echo '{SCENE} {scene}'", head, f"echo '{REFUSED} {scene}'", "if", command]
        parts += [f"then echo 'scene {scene} was not refused'; exit 97", "fi"]
    return "\n".join(parts) + "\n", refusals


@pytest.mark.engine
@pytest.mark.timeout(900)
def test_first_hour_from_a_fresh_clone(engine_bin_dir: Path, tmp_path: Path) -> None:
    """The walkthrough block by block in one shell, the fake API in a second one: three deploys, three refusals."""
    blocks = [block for block in BLOCKS if block.section == FIRST_HOUR]
    second_terminal = [block for block in blocks if " fake-api --port " in block.text]
    assert len(second_terminal) == 1, "the first hour starts the fake API in one block"
    assert FAKE_API_PORT in second_terminal[0].text
    assert "pip install" in blocks[0].text, "the first hour's setup installs the package (skipped here)"
    clone, home = tmp_path / "clone", tmp_path / "home"
    home.mkdir()
    copy_checkout(REPO, clone)
    (clone / ".venv").symlink_to(sys.prefix)  # what `python3 -m venv .venv && pip install -e '.[policy]'` made
    port = free_port()
    with (tmp_path / "fake-api.err").open("w") as fake_err:
        fake = subprocess.Popen(  # noqa: S603  # a README block, as the newcomer's second terminal runs it
            ["bash", "-e", "-c", as_typed_here(second_terminal[0].text, port)],  # noqa: S607
            cwd=clone,
            env=newcomer_env(home),
            stdout=subprocess.PIPE,
            stderr=fake_err,
            text=True,
            start_new_session=True,
        )
        try:
            url = first_line_within(fake, "cf-billing fake-api")
            assert url == f"http://127.0.0.1:{port}/client/v4", (tmp_path / "fake-api.err").read_text()
            script, refusals = first_hour_script([b for b in blocks if b is not second_terminal[0]], port)
            done = bash(script, cwd=clone, env=newcomer_env(home), timeout_s=840)
        finally:
            stop(fake)
    output = done.stdout
    assert done.returncode == 0, f"the first hour stopped ({done.returncode}):\n{output[-6000:]}"
    assert "Traceback" not in (tmp_path / "fake-api.err").read_text()
    looking_around, *scenes = re.split(f"{SCENE} \\d+\n", output)
    assert "$50.00  $20.00 when under $10.00" in looking_around  # cf-billing balance
    assert len(re.findall(r"^\d{4}-\d\d-\d\d  \$12\.50 ", looking_around, re.MULTILINE)) == 7  # cf-billing usage
    assert len(scenes) == len(refusals) == 3
    for scene, comment in zip(scenes, refusals, strict=True):
        deployed, refused = scene.split(f"{REFUSED} ", 1)
        assert " created" in deployed, deployed
        assert BREACH in refused, refused
        assert "Traceback" not in refused
        assert "…" not in comment or shows(refused, comment), f"the README says {comment!r}; it printed:\n{refused}"


@pytest.mark.engine
def test_python_program_block(engine_bin_dir: Path, fake_cloudflare_api: FakeCloudflareAPI, tmp_path: Path) -> None:
    """Pasted as a program: refused under the floor as the next block shows, nothing created; then deployed."""
    block = block_starting(PYTHON_PROGRAM)
    program = tmp_path / "program"
    program.mkdir()
    (program / "__main__.py").write_text(block.text)
    (program / "Pulumi.yaml").write_text("name: readme-python\nruntime: python\n")
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=4999, topup_amount_cents=2000, topup_threshold_cents=5000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    stack = LocalStack(
        program,
        tmp_path / "work",
        bin_dir=engine_bin_dir,
        virtualenv=Path(sys.prefix),
        env={name: "" for name in os.environ if name.startswith("CLOUDFLARE_")},
    )
    stack.init(
        config={"cf-billing:accountId": ACCOUNT, "cloudflare:baseUrl": fake_cloudflare_api.base_url},
        secrets={"cloudflare:apiToken": SENTINEL_TOKEN},
    )
    refused = stack.up(check=False)
    assert refused.returncode != 0
    shown = plain_block_after(block)
    assert shows(refused.output, shown.text), f"{shown} is not what the program printed:\n{refused.output}"
    assert not [r for r in stack.export()["deployment"].get("resources") or [] if r["urn"].endswith("::app")]
    fake_cloudflare_api.accounts[ACCOUNT].balance_cents = 5000
    stack.up()
    outputs = stack.outputs()
    assert (outputs["balance_usd"], outputs["topup_config"]["threshold_usd"]) == (50, 50)
    assert SENTINEL_TOKEN not in json.dumps(stack.export())


@pytest.mark.engine
def test_yaml_program_block(engine_bin_dir: Path, fake_cloudflare_api: FakeCloudflareAPI, tmp_path: Path) -> None:
    """Pasted as Pulumi.yaml, with the cf-billing plugin from the virtualenv on PATH: it deploys and exports."""
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text(block_starting(YAML_PROGRAM).text)
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    env = {
        "CLOUDFLARE_BASE_URL": fake_cloudflare_api.base_url,
        "CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
    }
    stack = LocalStack(program, tmp_path / "work", bin_dir=engine_bin_dir, virtualenv=Path(sys.prefix), env=env)
    stack.init()
    stack.up()
    assert stack.outputs() == {"balanceUsd": 50, "topUpUnderUsd": 10}


@pytest.mark.engine
def test_policy_pack_block(engine_bin_dir: Path, fake_cloudflare_api: FakeCloudflareAPI, tmp_path: Path) -> None:
    """The pipeline's commands in a project that knows nothing of credits: preview and up pass the pack over $50."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "examples" / "policy-pack", project)
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    (tmp_path / "state").mkdir()
    env = newcomer_env(
        tmp_path / "home",
        PATH=os.pathsep.join([str(Path(sys.prefix) / "bin"), str(engine_bin_dir), os.environ.get("PATH", "")]),
        PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}",
        PULUMI_CONFIG_PASSPHRASE="readme",
        CLOUDFLARE_BASE_URL=fake_cloudflare_api.base_url,
        CLOUDFLARE_API_TOKEN=SENTINEL_TOKEN,
    )
    script = "pulumi stack init ci\n" + as_typed_here(block_starting(POLICY_PACK).text)  # the pipeline's stack
    done = bash(script, cwd=project, env=env, timeout_s=280)
    assert done.returncode == 0, done.stdout
    assert done.stdout.count("✅ cf-billing@v0.1.0") == 2  # preview, then up
    assert SENTINEL_TOKEN not in done.stdout


@pytest.mark.engine
def test_demo_program(engine_bin_dir: Path, tmp_path: Path) -> None:
    """What ./scripts/demo runs once set up: deploy on the embedded fake, then a refused deploy."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CLOUDFLARE_")}
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(REPO / "examples" / "demo.py"), str(engine_bin_dir)],
        env={**env, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert BREACH in done.stdout
    assert "the app release is still version 1." in done.stdout


def synopsis_commands(text: str) -> list[str]:
    """The synopsis' commands: a line starting ``cf-billing``, joined with the indented lines that continue it."""
    commands: list[str] = []
    for line in text.splitlines():
        if line.startswith("cf-billing "):
            commands.append(line)
        elif line.strip():
            commands[-1] += " " + line.strip()
    return commands


def test_command_line_synopsis() -> None:
    """Each synopsis line names a real command, and every flag it shows is in that command's --help."""
    cf_billing = Path(sys.prefix) / "bin" / "cf-billing"
    commands = synopsis_commands(block_starting(SYNOPSIS).text)
    assert len(commands) == 7
    for command in commands:
        words = command.split()[1:]
        names = words[: next(i for i, word in enumerate(words) if not re.fullmatch(r"[a-z][a-z-]*", word))]
        helped = subprocess.run(  # noqa: S603
            [str(cf_billing), *names, "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        assert helped.returncode == 0, f"{command}: {helped.stderr}"
        missing = [flag for flag in re.findall(r"--[a-z][a-z-]*", command) if flag not in helped.stdout]
        assert not missing, f"cf-billing {' '.join(names)} --help does not know {missing}"


def test_metrics_block(fake_cloudflare_api: FakeCloudflareAPI, tmp_path: Path) -> None:
    """Both lines against the fake: the exporter serves what the README's exposition shows; --once writes the file.

    Changed from the README: --listen on port 0 (the exporter prints the port it got), and the textfile
    in a temporary directory instead of /var/lib/node_exporter/textfile.
    """
    block = block_starting(METRICS)
    serve, once = block.text.strip().splitlines()
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=4000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    (tmp_path / "accounts.txt").write_text(ACCOUNT + "\n")
    (tmp_path / "textfile").mkdir()
    env = newcomer_env(
        tmp_path,
        PATH=os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ.get("PATH", "")]),
        CLOUDFLARE_BASE_URL=fake_cloudflare_api.base_url,
        CLOUDFLARE_API_TOKEN=SENTINEL_TOKEN,
        CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
    )
    exporter = subprocess.Popen(  # noqa: S603
        ["bash", "-c", "exec " + serve.replace("127.0.0.1:9464", "127.0.0.1:0")],  # noqa: S607
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        url = first_line_within(exporter, "cf-billing metrics --listen")
        with httpx.Client() as http:
            poll_until(lambda: f'cf_billing_balance_usd{{account_id="{ACCOUNT}"}}' in http.get(url).text, "a read")
            scraped = http.get(url, headers={"Accept": OPENMETRICS}).text.splitlines()
    finally:
        stop(exporter)
    shown = plain_block_after(block)
    assert [line for line in shown.text.splitlines() if line not in scraped] == []
    textfile = tmp_path / "textfile" / "cf_billing.prom"
    done = bash(once.replace("/var/lib/node_exporter/textfile/cf_billing.prom", str(textfile)), tmp_path, env, 120)
    assert done.returncode == 0, done.stdout
    assert f'cf_billing_balance_usd{{account_id="{ACCOUNT}"}} 40.0' in textfile.read_text()
