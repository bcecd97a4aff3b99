"""Where the Pulumi surface finds the token, base URL and account: argument, stack config, environment."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.runtime
import pytest

from pulumi_cf_billing import (
    AuthenticationError,
    CreditBalanceGuard,
    get_credit_balance,
    get_credit_balance_output,
)
from pulumi_cf_billing.testing import FakeCloudflareAPI

from ..conftest import ACCOUNT
from ..conftest import OTHER_ACCOUNT as OTHER
from .conftest import (
    ARG_TOKEN,
    ENV_TOKEN,
    SENTINEL,
    run_program,
)

# -- where settings come from ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "config", "env"),
    [
        pytest.param(ARG_TOKEN, "wrong-config-token", "wrong-env-token", id="argument-beats-config-and-env"),
        pytest.param(None, SENTINEL, "wrong-env-token", id="config-beats-env"),
        pytest.param(None, None, ENV_TOKEN, id="env-last"),
    ],
)
def test_the_token_comes_from_the_argument_then_stack_config_then_the_environment(
    api: FakeCloudflareAPI,
    monkeypatch: pytest.MonkeyPatch,
    argument: str | None,
    config: str | None,
    env: str,
) -> None:
    api.add_token(ARG_TOKEN)
    api.add_token(ENV_TOKEN)  # only the token of the winning layer is valid: the others would get a 401
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", env)
    stack_config = {"cloudflare:baseUrl": api.base_url} | ({"cloudflare:apiToken": config} if config else {})

    def program() -> dict[str, Any]:
        return {"sync": get_credit_balance(ACCOUNT, api_token=argument),
                "output": get_credit_balance_output(ACCOUNT, api_token=argument)}  # fmt: skip

    run = run_program(api, program, config=stack_config)

    assert run.known("sync")["balance_usd"] == run.known("output")["balance_usd"] == 49.995


@pytest.mark.parametrize(
    ("argument", "config"),
    [
        pytest.param("wrong-argument-token", SENTINEL, id="a-wrong-argument-is-not-rescued-by-config"),
        pytest.param(None, "wrong-config-token", id="a-wrong-config-is-not-rescued-by-env"),
    ],
)
def test_a_higher_layer_wins_even_when_it_is_wrong(
    api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch, argument: str | None, config: str
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL)

    with pytest.raises(pulumi.RunError) as caught:
        run_program(
            api,
            lambda: {"sync": get_credit_balance(ACCOUNT, api_token=argument)},
            config={"cloudflare:apiToken": config, "cloudflare:baseUrl": api.base_url},
        )
    assert isinstance(caught.value.__cause__, AuthenticationError)
    assert str(caught.value).startswith("get_credit_balance: ")
    assert "\n" not in str(caught.value)
    assert SENTINEL not in str(caught.value)
    assert [r.auth_kind for r in api.requests] == ["token"]


def test_a_global_key_in_stack_config_beats_a_token_in_the_environment(
    api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.add_global_key("ops@example.com", "global-key-77")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL)
    config = {
        "cloudflare:apiKey": "global-key-77",
        "cloudflare:email": "ops@example.com",
        "cloudflare:baseUrl": api.base_url,
    }

    run = run_program(api, lambda: {"credits": get_credit_balance_output(ACCOUNT)}, config=config)

    assert run.known("credits")["balance_usd"] == 49.995
    assert [r.auth_kind for r in api.requests] == ["global_key"]


LAYERS = ("argument", "config", "env")


@pytest.mark.parametrize("winner", LAYERS)
def test_the_base_url_comes_from_the_argument_then_stack_config_then_the_environment(
    api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch, winner: str
) -> None:
    # Layers above the winner are unset; those below point at the fake under a path it does not
    # serve, so reading through one of them would be a 404.
    wrong = api.base_url.replace("/client/v4", "/wrong/v4")
    rank = LAYERS.index(winner)
    url = {layer: None if i < rank else api.base_url if i == rank else wrong for i, layer in enumerate(LAYERS)}
    config = {"cloudflare:apiToken": SENTINEL} | ({"cloudflare:baseUrl": url["config"]} if url["config"] else {})
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", str(url["env"]))

    run = run_program(api, lambda: {"sync": get_credit_balance(ACCOUNT, base_url=url["argument"])}, config=config)

    assert run.known("sync")["balance_usd"] == 49.995
    assert [r.path.split("/")[1] for r in api.requests] == ["client"]


@pytest.mark.parametrize(
    ("argument", "config", "env", "expected"),
    [
        pytest.param(OTHER, ACCOUNT, ACCOUNT, OTHER, id="argument-beats-config-and-env"),
        pytest.param(None, OTHER, ACCOUNT, OTHER, id="config-beats-env"),
        pytest.param(None, None, OTHER, OTHER, id="env-last"),
    ],
)
def test_the_account_comes_from_the_argument_then_stack_config_then_the_environment(
    api: FakeCloudflareAPI,
    stack_config: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    argument: str | None,
    config: str | None,
    env: str,
    expected: str,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", env)
    config_with_account = stack_config | ({"cf-billing:accountId": config} if config else {})

    def program() -> dict[str, Any]:
        return {"sync": get_credit_balance(argument), "output": get_credit_balance_output(argument),
                "guard": CreditBalanceGuard("guard", floor_usd=1, account_id=argument).account_id}  # fmt: skip

    run = run_program(api, program, config=config_with_account)

    assert run.known("sync")["account_id"] == run.known("output")["account_id"] == expected
    assert run.known("guard") == expected
