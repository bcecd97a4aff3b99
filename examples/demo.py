"""The main job: deploy the example program with the real ``pulumi`` CLI on a local backend.

With ``CLOUDFLARE_ACCOUNT_ID`` and Cloudflare credentials in the environment it reads the real account
(floor ``CF_BILLING_FLOOR_USD``, default 10 dollars) and deploys once. Otherwise it starts the embedded
fake Cloudflare API, deploys above the floor, shows the stack outputs, lowers the fake balance under
the floor and shows the deploy being refused. Usage: ``python examples/demo.py BIN_DIR``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from pulumi_cf_billing.testing import FakeCloudflareAPI, LocalStack

REPO = Path(__file__).resolve().parent.parent
DEMO_ACCOUNT = "0123456789abcdef0123456789abcdef"
DEMO_TOKEN = "demo-token-for-the-fake-api"  # noqa: S105  # accepted only by the local fake API


def main(bin_dir: Path) -> int:
    real = os.environ.get("CLOUDFLARE_ACCOUNT_ID") and (
        os.environ.get("CLOUDFLARE_API_TOKEN") or os.environ.get("CLOUDFLARE_API_KEY")
    )
    with tempfile.TemporaryDirectory(prefix="cf-billing-demo-") as work:
        stack = LocalStack(REPO, Path(work), bin_dir=bin_dir, virtualenv=Path(sys.prefix))
        if real:
            return _real(stack)
        return _fake(stack)


def _real(stack: LocalStack) -> int:
    say("Real account configured: deploying the example against Cloudflare.")
    stack.init(config={"cf-billing:floorUsd": os.environ.get("CF_BILLING_FLOOR_USD", "10")})
    result = stack.up(check=False)
    print(result.output)
    if result.returncode == 0:
        show(stack.outputs())
    return result.returncode


def _fake(stack: LocalStack) -> int:
    with FakeCloudflareAPI() as api:
        api.add_account(DEMO_ACCOUNT, balance_cents=5000, topup_amount_cents=None, topup_threshold_cents=None)
        api.add_token(DEMO_TOKEN)
        say(f"No Cloudflare account configured: using the embedded fake API at {api.base_url}")
        stack.init(
            config={
                "cf-billing:accountId": DEMO_ACCOUNT,
                "cf-billing:floorUsd": "10",
                "cloudflare:baseUrl": api.base_url,
            },
            secrets={"cloudflare:apiToken": DEMO_TOKEN},
        )
        say("1. pulumi up with $50.00 of credit (floor $10.00)")
        stack.up()
        show(stack.outputs())
        api.accounts[DEMO_ACCOUNT].balance_cents = 999
        say("2. The balance drops to $9.99; pulumi up with a new app version must be refused")
        stack.set_config("app:version", "2")
        refused = stack.up(check=False)
        print("\n".join(line for line in refused.output.splitlines() if "error" in line.lower()))
        released = stack.outputs()["released_version"]
        say(f"pulumi up exited {refused.returncode}; the app release is still version {released}.")
        return 0 if refused.returncode != 0 and released == "1" else 1


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def show(outputs: dict[str, object]) -> None:
    print(json.dumps(outputs, indent=2, sort_keys=True), flush=True)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
