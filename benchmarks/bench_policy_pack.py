"""What the policy pack adds to a ``pulumi preview``, under the real engine. Goal: at most +1.5 s.

Baseline: ``pulumi preview`` of a Pulumi YAML program (outputs only) with no policy pack. Candidate:
the same preview with ``--policy-pack "$(cf-billing policy-pack path)"`` judging one account against
the fake API on loopback. Interleaved pairs, order alternating; the figure is the difference (and the
ratio) of the median preview wall times. The pack's own cost is mostly starting its Python analyzer.

Run: ``.venv/bin/python benchmarks/bench_policy_pack.py [pairs]`` (default 5 pairs, about a minute).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from _common import load, machine, median, result, spread
from bench_preview import engine

from pulumi_cf_billing.policy import PACK_DIR, POLICY_NAME
from pulumi_cf_billing.testing import FakeCloudflareAPI, LocalStack

GOAL_ADDED_S = 1.5
ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-token"  # noqa: S105  # accepted by the fake only
PROGRAM = Path(__file__).resolve().parent.parent / "tests" / "engine_programs" / "yaml_outputs"


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print("bench_policy_pack: pulumi preview of a YAML program with the cf-billing pack vs without")
    print(machine())
    print(load())
    bin_dir = engine()
    with tempfile.TemporaryDirectory() as work, FakeCloudflareAPI() as api:
        api.add_account(ACCOUNT)
        api.add_token(TOKEN)
        root = Path(work)
        config = root / "policy.json"
        config.write_text(json.dumps({POLICY_NAME: {"floorUsd": 10, "accountIds": [ACCOUNT]}}))
        env = {"CLOUDFLARE_API_TOKEN": TOKEN, "CLOUDFLARE_BASE_URL": api.base_url, "PYTHONDONTWRITEBYTECODE": ""}
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")  # cached bytecode, as an installed wheel has
        stack = LocalStack(PROGRAM, root / "work", bin_dir=bin_dir, virtualenv=Path(sys.prefix), env=env)
        stack.init()
        sides = {
            "baseline": stack.preview,
            "candidate": lambda: stack.preview(policy_packs=[PACK_DIR], policy_pack_configs=[config]),
        }
        for run in sides.values():
            run()  # warm-up
        times: dict[str, list[float]] = {"baseline": [], "candidate": []}
        for i in range(pairs):
            for name in ("candidate", "baseline") if i % 2 == 0 else ("baseline", "candidate"):
                start = time.perf_counter()
                sides[name]()
                times[name].append(time.perf_counter() - start)
        reads = api.request_count(ACCOUNT)
    added = median(times["candidate"]) - median(times["baseline"])
    ratio = median(times["candidate"]) / median(times["baseline"])
    print(f"N = {pairs} interleaved pairs (order alternating), 1 warm-up preview each")
    print(f"baseline  preview without the pack  wall s: {spread(times['baseline'])}")
    print(f"candidate preview with the pack     wall s: {spread(times['candidate'])}")
    print(f"requests to the fake: {reads} over {pairs + 1} previews with the pack (one per account and run)")
    figure = f"+{added:.2f} s ({ratio:.2f}x) on a {median(times['baseline']):.2f} s preview"
    print(result("policy_pack", figure, f"<= +{GOAL_ADDED_S:g} s", added <= GOAL_ADDED_S))


if __name__ == "__main__":
    main()
