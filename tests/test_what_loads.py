"""What each process loads, and the TLS roots the transport loads itself.

A preview waits for the program's imports and read before the guard registers, and for the
provider host's before its check answers: these tests pin what each of them loads, in a fresh
interpreter, so the weight that the preview benchmark measured cannot creep back unnoticed.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from pathlib import Path

import certifi
import pytest

from pulumi_cf_billing import ConfigurationError
from pulumi_cf_billing._transport import tls_context
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT, SENTINEL_TOKEN

JUDGING = ("pulumi_cf_billing._guard_judging", "pulumi_cf_billing._assess", "pulumi_cf_billing._models")
READING = (
    "pulumi_cf_billing._endpoints",
    "pulumi_cf_billing._client",
    "pulumi_cf_billing._transport",
    "httpcore",
)


def loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code`` (which may print nothing)."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    run = subprocess.run(  # noqa: S603  # this interpreter, our probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env, timeout=60
    )
    return set(json.loads(run.stdout.strip().splitlines()[-1]))


def test_the_provider_host_relays_a_verdict_without_loading_judging_or_reading() -> None:
    # As the host does: unpickle the provider (by reference), configure it, check inputs carrying a verdict.
    setup = f"provider_text = {_serialized_provider()!r}\naccount = {ACCOUNT!r}\n"
    code = (
        setup
        + """
import base64, dill
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
provider = dill.loads(base64.b64decode(provider_text))
provider.configure(ConfigureRequest(Config({}, "project")))
verdict = {"outputs": {"status": "ok", "message": "fine", "balance_usd": 50}, "stops_deploy": False, "carry": []}
result = provider.check({}, {"account_id": account, "floor_usd": 10, "verdict": verdict})
assert result.failures == [] and result.inputs["status"] == "ok", result
"""
    )
    loaded = loaded_after(code)

    assert "pulumi_cf_billing._pulumi._dynamic_provider" in loaded
    assert not loaded & {*JUDGING, *READING, "pulumi_cf_billing._pulumi._host_judging"}


def test_a_program_imports_the_guard_and_the_functions_without_the_read_path_or_the_judging() -> None:
    # They load in the worker thread that reads, so the program's first requests reach the engine at once.
    loaded = loaded_after(
        "from pulumi_cf_billing import CreditBalanceGuard, get_credit_balance_output, get_spending_limit_output,"
        " get_usage_history_output"
    )

    assert "pulumi_cf_billing._pulumi._guard" in loaded
    assert not loaded & {*JUDGING, *READING, "pulumi_cf_billing._pulumi._program"}


def test_a_program_that_only_reads_loads_no_judging(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    # The guard's verdict lives with the guard: a read through the functions never loads the judging.
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    code = f"""
from pulumi_cf_billing import get_credit_balance
result = get_credit_balance({ACCOUNT!r}, api_token={SENTINEL_TOKEN!r}, base_url={fake_cloudflare_api.base_url!r})
assert result.balance == 5000, result
"""
    loaded = loaded_after(code)

    assert "pulumi_cf_billing._pulumi._program" in loaded
    assert not loaded & {*JUDGING[:2], "pulumi_cf_billing._guard_definition", "pulumi_cf_billing._verdict"}
    assert fake_cloudflare_api.request_count(ACCOUNT) == 1


def test_the_plugin_starts_without_the_client_the_endpoint_table_or_the_judging() -> None:
    # The engine waits for the plugin's port; what answers requests loads on the first one that needs it.
    loaded = loaded_after("import pulumi_cf_billing.provider")

    assert "pulumi_cf_billing.provider._server" in loaded
    answering = {"pulumi_cf_billing.provider._guard", "pulumi_cf_billing.provider._functions"}
    assert not loaded & {*JUDGING, *READING, *answering, "pulumi_cf_billing._pulumi._dynamic_provider"}


def test_a_read_loads_httpcore_but_not_httpx(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    code = f"""
from pulumi_cf_billing import BillingClient
with BillingClient(api_token={SENTINEL_TOKEN!r}, base_url={fake_cloudflare_api.base_url!r}) as client:
    assert client.get({ACCOUNT!r}).balance == 5000
"""
    loaded = loaded_after(code)

    assert "httpcore" in loaded
    assert "httpx" not in loaded
    assert fake_cloudflare_api.request_count(ACCOUNT) == 1


def _serialized_provider() -> str:
    from pulumi.dynamic.dynamic import serialize_provider  # noqa: PLC0415  # loads pulumi only for these tests

    from pulumi_cf_billing._pulumi._dynamic_provider import CreditBalanceGuardProvider  # noqa: PLC0415

    return str(serialize_provider(CreditBalanceGuardProvider()))


# -- TLS roots -----------------------------------------------------------------------------


def test_plain_http_needs_no_tls() -> None:
    assert tls_context("http://127.0.0.1:8080/client/v4", {"SSL_CERT_FILE": "/nonexistent"}) is None


def test_https_verifies_against_certifi_by_default() -> None:
    context = tls_context("https://api.cloudflare.com/client/v4", {})

    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 50  # certifi's bundle


def test_ssl_cert_file_from_the_given_environment_replaces_certifi(tmp_path: Path) -> None:
    one_root = tmp_path / "one-root.pem"
    bundle = Path(certifi.where()).read_text()
    one_root.write_text(bundle[: bundle.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----\n")])

    context = tls_context("https://api.cloudflare.com/client/v4", {"SSL_CERT_FILE": str(one_root)})

    assert context is not None
    assert context.cert_store_stats()["x509_ca"] == 1


@pytest.mark.parametrize("content", [None, "not a certificate"], ids=["missing", "not-pem"])
def test_roots_that_cannot_be_loaded_are_a_configuration_error(tmp_path: Path, content: str | None) -> None:
    roots = tmp_path / "roots.pem"
    if content is not None:
        roots.write_text(content)
    with pytest.raises(ConfigurationError, match=r"^SSL_CERT_FILE names CA roots that cannot be loaded \("):
        tls_context("https://api.cloudflare.com/client/v4", {"SSL_CERT_FILE": str(roots), "SSL_CERT_DIR": "/etc"})
