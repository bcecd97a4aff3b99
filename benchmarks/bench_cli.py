"""Whole-process cost of the command line, against baselines measured in the same run.

Four commands, run in rotating order (each round starts with a different one, so drift hits all
alike), as fresh processes timed from here:

- ``python -c pass``: the interpreter alone (baseline of ``--version``);
- ``cf-billing --version``;
- a raw ``httpx.get`` script making the same request ``check`` makes (baseline of ``check``);
- ``cf-billing check --floor-usd 10`` of one account, against the fake API in another process.

Printed: medians, and the ratios ``--version / python -c pass`` and ``check / raw httpx``. Also
checked: neither ``cf-billing`` command imports ``pulumi`` (``-X importtime`` of one run each).
Bytecode is cached in a temporary ``PYTHONPYCACHEPREFIX`` warmed first, as an installed wheel has it.

Run: ``.venv/bin/python benchmarks/bench_cli.py [rounds]`` (default 15 rounds).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import load, machine, median, result, spread
from _fake_process import TOKEN, account_ids

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
ACCOUNT = account_ids(1)[0]
GOAL_CHECK_RATIO = 1.5
RAW_GET = (
    "import httpx, os; "
    "r = httpx.get(os.environ['CLOUDFLARE_BASE_URL'] + '/accounts/{account}/ai-gateway/billing/credit-balance', "
    "headers={{'Authorization': 'Bearer ' + os.environ['CLOUDFLARE_API_TOKEN']}}); "
    "r.raise_for_status(); print(r.json()['result']['balance'])"
)


def commands() -> dict[str, list[str]]:
    """The four commands by name."""
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "cf-billing --version": [str(BIN / "cf-billing"), "--version"],
        "raw httpx.get": [sys.executable, "-c", RAW_GET.format(account=ACCOUNT)],
        "cf-billing check": [str(BIN / "cf-billing"), "check", "--floor-usd", "10", "--account-id", ACCOUNT],
    }


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to exit of one run; raises when the command fails."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # ours
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({done.returncode}): {done.stderr[-500:]}")
    return took


def imports_pulumi(argv: list[str], env: dict[str, str]) -> bool:
    """Whether one run of ``argv`` (a console script run by our interpreter) imports ``pulumi``."""
    script = [sys.executable, "-X", "importtime", *argv] if argv[0] != sys.executable else argv
    done = subprocess.run(script, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # ours
    return any(line.rstrip().endswith("| pulumi") for line in done.stderr.splitlines())


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print("bench_cli: cf-billing as whole processes, against python -c pass and a raw httpx request")
    print(machine())
    print(load())
    fake = subprocess.Popen(  # noqa: S603  # our own fake, in its own process
        [sys.executable, str(HERE / "_fake_process.py"), "1", "0", "100000", "300"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    assert fake.stdin is not None
    base_url = fake.stdout.readline().strip()
    samples: dict[str, list[float]] = {name: [] for name in commands()}
    try:
        with tempfile.TemporaryDirectory(prefix="cfb-bench-pyc-") as pycache:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONDONTWRITEBYTECODE", "CLOUDFLARE_"))}
            env |= {"PYTHONPYCACHEPREFIX": pycache, "CLOUDFLARE_BASE_URL": base_url, "CLOUDFLARE_API_TOKEN": TOKEN}
            named = list(commands().items())
            for _, argv in named:  # warm the bytecode cache
                timed(argv, env)
            for i in range(rounds):
                for name, argv in named[i % 4 :] + named[: i % 4]:
                    samples[name].append(timed(argv, env))
            script_imports = {name: imports_pulumi(argv, env) for name, argv in named if name.startswith("cf-billing")}
    finally:
        fake.stdin.close()
        fake.wait(timeout=30)
    for name, values in samples.items():
        print(f"{name:22} ms: {spread(values, 1e3)}")
    version = median(samples["cf-billing --version"]) / median(samples["python -c pass"])
    check = median(samples["cf-billing check"]) / median(samples["raw httpx.get"])
    print(f"ratio cf-billing --version / python -c pass: {version:.2f}x (N = {rounds} rounds)")
    print(f"ratio cf-billing check / raw httpx.get:      {check:.2f}x (N = {rounds} rounds)")
    print("imports pulumi: " + ", ".join(f"{name}: {'yes' if hit else 'no'}" for name, hit in script_imports.items()))
    figure = f"--version {version:.2f}x python -c pass; check {check:.2f}x raw httpx"
    met = check <= GOAL_CHECK_RATIO and not any(script_imports.values())
    print(result("cli", figure, f"check <= {GOAL_CHECK_RATIO}x, no pulumi import", met))


if __name__ == "__main__":
    main()
