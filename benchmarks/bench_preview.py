"""What the library adds to ``pulumi preview`` and ``pulumi up --skip-preview`` under the real engine. Goal: <= 1.05x.

Candidate: a program that exports ``get_credit_balance_output().balance_usd`` and declares a
``CreditBalanceGuard`` (against the fake API on loopback, in a process of its own). Baseline: the
same program with a no-op dynamic resource in the guard's place and no read. Both are previewed through ``LocalStack``
(Pulumi's Automation API, a file backend), in interleaved pairs whose order alternates; the figure
is the ratio of the median wall times of whole operations, for previews and for ups (after a first
up, so both stacks exist and an unchanged reading shows no diff).

Needs the engine that ``tools/engine/build`` makes (it is built or reused on first run).
Run: ``.venv/bin/python benchmarks/bench_preview.py [pairs]`` (default 15 pairs, about five minutes: on
a 2-core machine a preview's wall time varies by a fifth from run to run, and fewer pairs move the ratio
by several percent).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bootstrap_ci, load, machine, median, result, spread
from _fake_process import TOKEN, account_ids, fake_in_child

from pulumi_cf_billing.testing import LocalStack

GOAL_RATIO = 1.05
ACCOUNT = account_ids(1)[0]
REPO = Path(__file__).resolve().parent.parent

PROJECT = """name: {name}
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {venv}
"""
CANDIDATE = """import pulumi
from pulumi_cf_billing import CreditBalanceGuard, get_credit_balance_output

pulumi.export("balance_usd", get_credit_balance_output().balance_usd)
CreditBalanceGuard("credits", floor_usd=10)
"""
BASELINE = """import pulumi
import pulumi.dynamic


class NoOpProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props):
        return pulumi.dynamic.CreateResult("noop", props)


class NoOp(pulumi.dynamic.Resource):
    def __init__(self, name):
        super().__init__(NoOpProvider(), name, {"floor_usd": 10})


pulumi.export("balance_usd", 50)
NoOp("credits")
"""


def project(root: Path, name: str, program: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(PROJECT.format(name=name, venv=sys.prefix))
    (folder / "__main__.py").write_text(program)
    return folder


def engine() -> Path:
    built = subprocess.run(  # noqa: S603  # our own build script
        [str(REPO / "tools" / "engine" / "build")], capture_output=True, text=True, check=True
    )
    return Path(built.stdout.strip().splitlines()[-1])


def timed(stack: LocalStack, operation: str) -> float:
    start = time.perf_counter()
    stack.preview() if operation == "preview" else stack.up()
    return time.perf_counter() - start


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    # A shell starts a background job (`cmd &`) with SIGINT ignored, and its children inherit that: the
    # engine then waits 5 s for each plugin it interrupts at the end of an operation, in both programs.
    # Restored here, a run measures the same wherever it is started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("bench_preview: pulumi preview with get_credit_balance_output + CreditBalanceGuard vs a no-op resource")
    print(machine())
    print(load())
    bin_dir = engine()
    # The fake runs in its own process, as Cloudflare would: in this one its threads would share the GIL
    # with the Automation API's threads that follow each operation's output and event log.
    with tempfile.TemporaryDirectory() as work, fake_in_child(1, 0.0, 10**6, 300) as (base_url, served):
        root = Path(work)
        env = {
            "CLOUDFLARE_API_TOKEN": TOKEN,
            "CLOUDFLARE_BASE_URL": base_url,
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
            # Cached bytecode, as an installed wheel has, written outside the source tree: this
            # environment sets PYTHONDONTWRITEBYTECODE, which would recompile our modules every run.
            "PYTHONDONTWRITEBYTECODE": "",
            "PYTHONPYCACHEPREFIX": str(root / "pycache"),
        }
        stacks = {}
        for name, program in (("candidate", CANDIDATE), ("baseline", BASELINE)):
            local = LocalStack(
                project(root, name, program),
                root / f"{name}-work",
                bin_dir=bin_dir,
                virtualenv=Path(sys.prefix),
                env=env,
            )
            local.init()
            timed(local, "up")  # warm-up: plugin discovery, bytecode; both stacks exist from here
            stacks[name] = local
        figures = {operation: measure(stacks, operation, pairs) for operation in ("preview", "up")}
    reads = served["requests"]
    print(f"requests to the fake: {reads} over {2 * pairs + 1} candidate operations (one per operation)")
    figure = "; ".join(f"{operation} {ratio:.3f}x" for operation, ratio in figures.items())
    met = all(ratio <= GOAL_RATIO for ratio in figures.values())
    print(result("preview", f"{figure} a program with a no-op resource", f"<= {GOAL_RATIO:.2f}x each", met))


def measure(stacks: dict[str, LocalStack], operation: str, pairs: int) -> float:
    """Interleaved pairs of ``operation`` on both stacks; prints the spread and returns the ratio of medians."""
    times: dict[str, list[float]] = {"candidate": [], "baseline": []}
    for i in range(pairs):
        order = ("candidate", "baseline") if i % 2 == 0 else ("baseline", "candidate")
        for name in order:
            times[name].append(timed(stacks[name], operation))
    ratio = median(times["candidate"]) / median(times["baseline"])
    low, high = bootstrap_ci(times["baseline"], times["candidate"], stat="ratio")
    added = median(times["candidate"]) - median(times["baseline"])
    print(f"{operation}: N = {pairs} interleaved pairs (order alternating)")
    print(f"  baseline  no-op dynamic resource   wall s: {spread(times['baseline'], 1)}")
    print(f"  candidate function + guard          wall s: {spread(times['candidate'], 1)}")
    print(f"  ratio of medians: {ratio:.3f}  (95% CI {low:.3f} .. {high:.3f}); added {added:+.3f} s")
    return ratio


if __name__ == "__main__":
    main()
