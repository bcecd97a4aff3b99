"""Start-up of the ``cf-billing`` provider plugin as the engine sees it: from exec to the port on stdout.

Baseline, measured in the same run: a bare provider that serves nothing on the same
``pulumi.provider.experimental`` server (``pulumi.provider.experimental.server.main``). Both run
as fresh processes in alternating order (ABBA), each stopped as soon as it printed its port.
Bytecode is cached in a temporary ``PYTHONPYCACHEPREFIX``, warmed first, as an installed wheel has it.
Also printed: whether the plugin loaded the dynamic provider (``pulumi_cf_billing._pulumi._dynamic_provider``).

Run: ``.venv/bin/python benchmarks/bench_plugin_start.py [pairs]`` (default 15 pairs).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import load, machine, median, result, spread

GOAL_RATIO = 1.05
ENGINE = "127.0.0.1:1"  # never dialled before the first call: neither process is called here
BARE = (
    "import sys; from pulumi.provider.experimental.provider import Provider; "
    "from pulumi.provider.experimental.server import main; sys.argv = ['bare', sys.argv[1]]; "
    "main(sys.argv[1:], '0.0.1', Provider())"
)
PLUGIN = [str(Path(sys.executable).parent / "pulumi-resource-cf-billing"), ENGINE]
LOADED = (
    "import sys; sys.argv = ['pulumi-resource-cf-billing', sys.argv[1]]; import pulumi_cf_billing.provider; "
    "loaded = 'pulumi_cf_billing._pulumi._dynamic_provider' in sys.modules; "
    "print('dynamic provider loaded' if loaded else 'dynamic provider not loaded')"
)


def to_port(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to the first line on stdout (the port); the process is then stopped."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # noqa: S603
    assert child.stdout is not None
    line = child.stdout.readline()
    took = time.perf_counter() - start
    child.kill()
    child.wait()
    if not line.strip().isdigit():
        raise RuntimeError(f"{argv[0]} printed {line!r}, not a port")
    return took


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print("bench_plugin_start: exec to port, the cf-billing plugin against a bare provider on the same server")
    print(machine())
    print(load())
    bare_argv = [sys.executable, "-u", "-c", BARE, ENGINE]
    bare: list[float] = []
    plugin: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cfb-bench-pyc-") as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"PYTHONPYCACHEPREFIX": pycache, "PYTHONUNBUFFERED": "1"}
        for argv in (bare_argv, PLUGIN, bare_argv, PLUGIN):
            to_port(argv, env)
        for i in range(pairs):
            order = [(bare_argv, bare), (PLUGIN, plugin)]
            for argv, into in order if i % 2 == 0 else order[::-1]:
                into.append(to_port(argv, env))
        loaded = subprocess.run(  # noqa: S603  # our interpreter, fixed code
            [sys.executable, "-c", LOADED, ENGINE], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
    ratio = median(plugin) / median(bare)
    print(f"bare provider ms: {spread(bare, 1e3)}")
    print(f"cf-billing    ms: {spread(plugin, 1e3)}")
    print(f"ratio: {ratio:.3f}x (N = {pairs} pairs, ABBA); {loaded}")
    print(result("plugin start", f"{ratio:.3f}x a bare provider", f"<= {GOAL_RATIO}x", ratio <= GOAL_RATIO))


if __name__ == "__main__":
    main()
