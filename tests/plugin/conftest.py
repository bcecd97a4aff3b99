"""Fixtures for the plugin over gRPC: one configured plugin process per test module, the fake API per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_cf_billing.testing import FakeCloudflareAPI

from ..conftest import ACCOUNT, SENTINEL_TOKEN
from .plugin_process import PluginProcess, assert_clean_stop, clean_env, secret, values


@pytest.fixture(scope="module")
def plugin(
    fake_cloudflare_api_server: FakeCloudflareAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PluginProcess]:
    """A plugin configured as the engine configures a default provider: a secret token and the fake's base URL.

    Shared by a module's tests, as one ``pulumi`` run shares it between resources; stopped cleanly at the end.
    """
    process = PluginProcess(tmp_path_factory.mktemp("plugin") / "stderr", clean_env())
    try:
        process.configure(values(apiToken=secret(SENTINEL_TOKEN), baseUrl=fake_cloudflare_api_server.base_url))
        yield process
    finally:
        assert_clean_stop(process)


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    """The fake with one account at $50.00 (auto top-up $20 under $10) and the sentinel token granted to it."""
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=5000)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api
