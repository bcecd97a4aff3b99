"""The provider's config over gRPC: a value of the wrong kind is refused, naming ``cf-billing:<key>``, never skipped
for the ``CLOUDFLARE_*`` environment; hints name the plugin's own keys. Each test configures the plugin it uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from pulumi.provider.experimental.property_value import PropertyValue

from pulumi_cf_billing.provider._values import UNKNOWN, to_plain
from pulumi_cf_billing.testing import FakeCloudflareAPI

from ..conftest import ACCOUNT, SENTINEL_TOKEN
from .plugin_process import PluginProcess, assert_clean_stop, clean_env, secret, values

OTHER_TOKEN = "cfother-" + "Xy4" * 11  # the environment's credential, which a wrong config must not fall back to


@pytest.fixture(scope="module")
def env_plugin(
    fake_cloudflare_api_server: FakeCloudflareAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PluginProcess]:
    """A plugin whose environment holds another working credential and the fake's base URL."""
    env = clean_env(CLOUDFLARE_API_TOKEN=OTHER_TOKEN, CLOUDFLARE_BASE_URL=fake_cloudflare_api_server.base_url)
    process = PluginProcess(tmp_path_factory.mktemp("env-plugin") / "stderr", env)
    yield process
    assert_clean_stop(process)


@pytest.mark.parametrize(
    ("config", "key", "got"),
    [
        pytest.param({"apiToken": secret(12345)}, "apiToken", "got a number.", id="number-token"),
        pytest.param({"apiToken": 12345}, "apiToken", "got a number.", id="plain-number-token"),
        pytest.param({"apiToken": ""}, "apiToken", "got an empty text.", id="empty-token"),
        pytest.param({"apiKey": True, "email": "a@b.example"}, "apiKey", "got a boolean.", id="boolean-key"),
        pytest.param({"email": {"address": "a@b.example"}}, "email", "got a map.", id="map-email"),
        pytest.param({"baseUrl": 8080}, "baseUrl", "got a number (8080).", id="number-url"),
        pytest.param({"accountId": ["x"]}, "accountId", "got a list.", id="list-account"),
    ],
)
def test_a_config_value_that_is_not_text_is_refused_naming_its_key(
    env_plugin: PluginProcess, api: FakeCloudflareAPI, config: dict[str, Any], key: str, got: str
) -> None:
    args = values(**config)

    failures = env_plugin.check_config(args)
    with pytest.raises(grpc.RpcError) as raised:
        env_plugin.configure(args)

    assert [prop for prop, _ in failures] == [key]
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = raised.value.details()
    assert details == failures[0][1]
    assert details.startswith(f"cf-billing:{key} must be a non-empty text; {got} Set it with pulumi config set ")
    assert "12345" not in details  # a credential's value is never echoed
    assert api.request_count() == 0


def test_text_config_beats_the_environment(env_plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    api.add_token(OTHER_TOKEN, accounts=[])  # the environment's token may read nothing here
    env_plugin.configure(values(apiToken=secret(SENTINEL_TOKEN)))

    returned, failures = env_plugin.invoke("getCreditBalance", values(accountId=ACCOUNT))

    assert (failures, to_plain(returned["balanceUsd"])) == ([], 50)


def test_missing_credentials_name_the_plugins_own_key(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    plugin.configure(values(baseUrl=api.base_url))

    _, failures = plugin.check(values(accountId=ACCOUNT, floorUsd=10))

    reason = failures[0][1]
    assert "No Cloudflare credentials are configured" in reason
    assert "pulumi config set --secret cf-billing:apiToken" in reason
    assert "cloudflare:apiToken" not in reason
    assert api.request_count() == 0


def test_a_config_value_not_known_yet_makes_the_guard_wait(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    """An explicit provider fed by another resource is configured with unknowns in preview: no read until known."""
    plugin.configure(values(apiToken=secret(UNKNOWN), baseUrl=api.base_url))
    news = values(accountId=ACCOUNT, floorUsd=10)

    inputs, failures = plugin.check(news)

    assert (inputs, failures) == (news, [])
    assert api.request_count() == 0


def test_a_secret_default_account_makes_the_guard_secret(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    plugin.configure(values(apiToken=secret(SENTINEL_TOKEN), baseUrl=api.base_url, accountId=secret(ACCOUNT)))

    inputs, failures = plugin.check(values(floorUsd=10))

    assert failures == []
    assert inputs["accountId"] == PropertyValue(ACCOUNT, is_secret=True)
    assert all(value.is_secret for key, value in inputs.items() if key != "floorUsd")
    assert not inputs["floorUsd"].is_secret


def test_a_token_not_known_yet_is_never_replaced_by_the_environments(
    env_plugin: PluginProcess, api: FakeCloudflareAPI
) -> None:
    api.add_token(OTHER_TOKEN)
    env_plugin.configure(values(apiToken=secret(UNKNOWN)))

    _, failures = env_plugin.invoke("getCreditBalance", values(accountId=ACCOUNT))

    assert "The provider cannot read yet: cf-billing:apiToken is not known until pulumi up." in failures[0][1]
    assert api.request_count() == 0
