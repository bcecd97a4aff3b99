"""Shared fixtures: a sentinel token, fake clocks and sleepers, and the loopback-only network guard."""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from pulumi_cf_billing.testing import FakeCloudflareAPI

# Property tests never fail for being slow on a loaded machine (no deadline, no too_slow health check);
# in CI they are also deterministic (a fixed seed per test, no example database), while locally they
# explore with fresh randomness.
settings.register_profile("local", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", settings.get_profile("local"), derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

SENTINEL_TOKEN = "cfsentinel-" + "Zq7" * 10  # 41 characters, never a real token
ACCOUNT = "0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210"
# Where a test that forgot its base URL would send its request: a loopback port nobody listens on,
# never Cloudflare. Subprocesses (the CLI, the engine) inherit it.
NOWHERE_BASE_URL = "http://127.0.0.1:9/client/v4"
REPO = Path(__file__).resolve().parent.parent
os.environ["CLOUDFLARE_BASE_URL"] = NOWHERE_BASE_URL


class FakeClock:
    """A monotonic clock that only moves when a test (or a fake sleep) moves it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


CLOUDFLARE_ENV = (
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_API_KEY",
    "CLOUDFLARE_EMAIL",
    "CLOUDFLARE_ACCOUNT_ID",
    "CLOUDFLARE_BASE_URL",
)
"""What the command line reads from the environment."""


@pytest.fixture
def fake_api_in_environment(
    fake_cloudflare_api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch
) -> FakeCloudflareAPI:
    """The fake API, accepting the sentinel token, with the environment pointing at it and nothing else set."""
    for name in CLOUDFLARE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", fake_cloudflare_api.base_url)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL_TOKEN)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api


class OffLoopbackError(AssertionError):
    """A test tried to open a connection to something other than this machine."""


def _loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX sockets stay on the machine
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", maxsplit=1)[0]).is_loopback
    except ValueError:
        return False  # a name: resolving it is already a step off the machine


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """Every connection this test process opens goes to loopback; anything else fails the test at once."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(sock: socket.socket, address: Any) -> None:
        if not _loopback(address):
            sock.close()
            raise OffLoopbackError(f"tests stay on loopback: refused a connection to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        refuse(self, address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        refuse(self, address)
        return original_connect_ex(self, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        yield


@pytest.fixture(scope="session")
def engine_bin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory holding ``pulumi`` and its Python plugins, built on first use and cached outside the repo.

    Also restores SIGINT where this process ignores it: a shell starts a background job (``cmd &``) so, the
    engine's plugins inherit it, and the engine then waits 5 s for each plugin it stops after an operation.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    log = tmp_path_factory.mktemp("engine") / "build.log"
    with log.open("w") as stderr:
        built = subprocess.run(  # noqa: S603  # our own build script
            [str(REPO / "tools" / "engine" / "build")], stdout=subprocess.PIPE, stderr=stderr, text=True, check=False
        )
    if built.returncode != 0:
        message = f"tools/engine/build failed ({built.returncode}):\n{log.read_text()[-4000:]}"
        if os.environ.get("PULUMI_CF_BILLING_REQUIRE_ENGINE") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return Path(built.stdout.strip().splitlines()[-1])
