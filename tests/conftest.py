"""Shared fixtures: a sentinel token, fake clocks and sleepers, and a clean single-flight cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_cf_billing import _client, _pacing

SENTINEL_TOKEN = "cfsentinel-" + "Zq7" * 10  # 41 characters, never a real token
ACCOUNT = "0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210"


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


@pytest.fixture(autouse=True)
def _fresh_shared_cache() -> Iterator[None]:
    """Each test starts with no cached balances and no pacing history, so request counts mean what they say."""
    _client._SHARED_CACHE.clear()
    _pacing._PACERS.clear()
    yield
    _client._SHARED_CACHE.clear()
    _pacing._PACERS.clear()
