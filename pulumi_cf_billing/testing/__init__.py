"""A fake Cloudflare API for tests: a real HTTP server on loopback serving the credit-balance endpoint.

Use it directly::

    with FakeCloudflareAPI() as api:
        api.add_account("0123456789abcdef0123456789abcdef", balance_cents=4999.5)
        api.add_token("test-token")
        api.inject("0123456789abcdef0123456789abcdef", Fault.rate_limited(), times=1)
        client = CreditBalanceClient(
            account_id="0123456789abcdef0123456789abcdef", api_token="test-token", base_url=api.base_url
        )

or through the pytest fixtures ``fake_cloudflare_api`` (fresh state per test) and
``fake_cloudflare_api_server`` (the one server of the session), which the ``cf_billing`` pytest
plugin provides. Money is in US cents, as on Cloudflare's wire (usage: US dollars per day).

``api.change_account(id, {"balance_cents": 999, "topup_error": "card declined"})`` changes an
account by the same knobs as ``cf-billing fake-api`` and its control endpoint, ``POST
{api.control_url}/accounts/{id}`` with that JSON object, which a running fake answers on loopback.
"""

from ._accounts import FakeAccount
from ._fake_api import FakeCloudflareAPI, RecordedRequest
from ._faults import Fault
from ._local_stack import LocalStack, PulumiResult

__all__ = ["FakeAccount", "FakeCloudflareAPI", "Fault", "LocalStack", "PulumiResult", "RecordedRequest"]
