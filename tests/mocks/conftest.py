"""Pulumi's unit-test mocks for the Pulumi surface's tests: recording mocks, a program runner, isolation.

The mocks stand in for the engine only: every balance read in these tests is an HTTP request to
the fake, and stack config reaches the library through ``pulumi.Config`` as in a real program.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.runtime
import pytest

from pulumi_cf_billing.testing import FakeCloudflareAPI

from ..conftest import ACCOUNT, NOWHERE_BASE_URL, SENTINEL_TOKEN
from ..conftest import OTHER_ACCOUNT as OTHER

SENTINEL = SENTINEL_TOKEN
ENV_TOKEN = "env-token-3b7c"
ARG_TOKEN = "argument-token-91aa"
GUARD_TYPE = "pulumi-python:dynamic/cf-billing:CreditBalanceGuard"
PENDING = "test:index:Pending"  # the mocks never finish it: its id stays unknown, in up as in preview
COMPUTED = "test:index:Computed"  # its ``value`` output is unknown in preview, known in up
CLOUDFLARE_ENV = (
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_API_KEY",
    "CLOUDFLARE_EMAIL",
    "CLOUDFLARE_BASE_URL",
    "CLOUDFLARE_ACCOUNT_ID",
    "PULUMI_CONFIG",
    "PULUMI_CONFIG_SECRET_KEYS",
)


class Computed(pulumi.CustomResource):
    """A resource whose ``value`` the provider computes: unknown in preview, ``final`` in up."""

    value: pulumi.Output[str]

    def __init__(self, name: str, final: str) -> None:
        super().__init__(COMPUTED, name, {"final": final, "value": None})


class Pending(pulumi.CustomResource):
    """A resource that never gets an id in these tests, like one not created yet in preview."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(PENDING, name, {}, opts)


class Thing(pulumi.CustomResource):
    """A resource the mocks create at once, with a known id."""

    def __init__(self, name: str) -> None:
        super().__init__("test:index:Thing", name, {})


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    """Creates resources as the engine would and records what was registered, and when."""

    api: FakeCloudflareAPI
    preview: bool
    guard_outputs: dict[str, Any] = field(default_factory=dict)
    on_register: Callable[[pulumi.runtime.MockResourceArgs], None] | None = None
    registered: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    requests_at_registration: dict[str, int] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        self.requests_at_registration[args.name] = self.api.request_count()
        if self.on_register is not None:
            self.on_register(args)
        if args.typ == PENDING:
            return "", {}
        if args.typ == COMPUTED:
            return f"{args.name}-id", {} if self.preview else {"value": args.inputs["final"]}
        if args.typ == GUARD_TYPE:
            return f"{args.name}-id", {**args.inputs, **self.guard_outputs}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise AssertionError(f"the library made a provider invoke ({args.token}); it reads Cloudflare itself")


@dataclass
class ProgramRun:
    """What one program run produced: each returned output as ``(is_known, value)``, and the mocks."""

    outputs: dict[str, tuple[bool, Any]]
    mocks: RecordingMocks

    def known(self, name: str) -> Any:
        is_known, value = self.outputs[name]
        assert is_known, f"output {name!r} is unknown"
        return value


Program = Callable[[], dict[str, Any] | None]


@contextlib.contextmanager
def own_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A new event loop for this thread, closed at the end together with the loops of its executor's threads.

    Pulumi's mock monitor gives each executor thread an event loop it never closes, which the garbage
    collector would later report in some other test; here each worker gets one up front instead.
    """
    worker_loops: list[asyncio.AbstractEventLoop] = []

    def give_worker_a_loop() -> None:
        asyncio.set_event_loop(worker_loop := asyncio.new_event_loop())
        worker_loops.append(worker_loop)

    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(initializer=give_worker_a_loop)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        executor.shutdown(wait=True)
        for each in [*worker_loops, loop]:
            each.close()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ambient credentials, an event loop of the test's own, and no config or mocks left behind.

    (The conftest empties the cache of reads.)
    """
    for name in CLOUDFLARE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", NOWHERE_BASE_URL)  # a forgotten base URL never means Cloudflare
    with own_event_loop():
        yield
    pulumi.runtime.set_all_config({}, secret_keys=[])
    pulumi.runtime.settings.reset_options()


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    """The fake with two accounts, ``SENTINEL`` granted to both."""
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=4999.5)
    fake_cloudflare_api.add_account(OTHER, balance_cents=12000)
    fake_cloudflare_api.add_token(SENTINEL)
    return fake_cloudflare_api


@pytest.fixture
def stack_config(api: FakeCloudflareAPI) -> dict[str, str]:
    """The stack config of a program set up for pulumi-cloudflare, pointed at the fake."""
    return {"cloudflare:apiToken": SENTINEL, "cloudflare:baseUrl": api.base_url}


def run_program(
    api: FakeCloudflareAPI,
    program: Program,
    *,
    config: dict[str, str],
    preview: bool = False,
    mocks: RecordingMocks | None = None,
    logger: logging.Logger | None = None,
) -> ProgramRun:
    """Run ``program`` as ``pulumi up`` (or preview) would, under mocks; settle every output it returns."""
    mocks = mocks or RecordingMocks(api, preview)
    pulumi.runtime.set_mocks(mocks, preview=preview, logger=logger)
    pulumi.runtime.set_all_config(config, secret_keys=["cloudflare:apiToken"])
    outputs: dict[str, tuple[bool, Any]] = {}

    async def main() -> None:
        for name, value in (program() or {}).items():
            if isinstance(value, pulumi.Output):
                outputs[name] = (await value.is_known(), await value.future())
            else:
                outputs[name] = (True, value)

    pulumi.runtime.test(main)()
    return ProgramRun(outputs, mocks)


def as_plain(result: Any) -> Any:
    """A function result as the plain JSON data a stack output holds (output types compare by type too)."""
    return json.loads(json.dumps(result))


EXPECTED_ACCOUNT = {
    "account_id": ACCOUNT,
    "balance": 4999.5,
    "balance_usd": 49.995,
    "has_default_payment_method": True,
    "payment_method": {"brand": "visa", "last4": "4242"},
    "topup_config": {
        "enabled": True,
        "amount": 2000,
        "threshold": 1000,
        "amount_usd": 20,
        "threshold_usd": 10,
        "disabled_reason": None,
        "error": None,
        "last_failed_at": None,
    },
    "first_topup_success": True,
}
