"""Pytest fixtures serving the fake Cloudflare API; installed as the ``cf_billing`` pytest plugin.

- ``fake_cloudflare_api_server`` (session scope): one server, started once for the whole run.
- ``fake_cloudflare_api`` (function scope): that server, reset to empty before the test, and the
  library's only shared state, the readings a Pulumi program run shares, forgotten (a test under
  Pulumi's mocks that reuses one root stack would otherwise see the previous test's balance). The
  test fails at teardown if the server raised while handling one of its requests, as those
  exceptions happen in server threads the test would otherwise never hear of.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator

import pytest

from .._cache import PROGRAM_RUN_CACHES
from ._fake_api import FakeCloudflareAPI


@pytest.fixture(scope="session")
def fake_cloudflare_api_server() -> Iterator[FakeCloudflareAPI]:
    """The session's fake Cloudflare API, running on a free loopback port. Not reset between tests."""
    with FakeCloudflareAPI() as api:
        yield api


@pytest.fixture
def fake_cloudflare_api(fake_cloudflare_api_server: FakeCloudflareAPI) -> Iterator[FakeCloudflareAPI]:
    """The session's fake Cloudflare API, emptied (no accounts, credentials or faults) for this test."""
    api = fake_cloudflare_api_server
    api.reset()
    forget_library_state()
    yield api
    _fail_on_handler_errors(api)


def forget_library_state() -> None:
    """Forget the readings Pulumi program runs shared (without importing the Pulumi surface)."""
    PROGRAM_RUN_CACHES.forget()


def _fail_on_handler_errors(api: FakeCloudflareAPI) -> None:
    errors = api.errors
    if errors:
        first = "".join(traceback.format_exception(errors[0]))
        pytest.fail(
            f"The fake Cloudflare API raised {len(errors)} exception(s) while handling requests "
            f"(each was answered with HTTP 500). The first:\n{first}",
            pytrace=False,
        )
