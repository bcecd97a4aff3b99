"""A failure to judge that nobody foresaw goes through ``onError``, in one line: the plugin's guard in process.

No real input is left that breaks judging (the runway arithmetic that once raised
``decimal.InvalidOperation`` is fixed, see ``test_guard.py``), and no server can produce a bug on
purpose, so the reader is a stand-in that fails the way a bug would: the one test double here,
handed to the guard where the plugin hands it its settings.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from pulumi.provider.experimental import provider as api

from pulumi_cf_billing._assess import Reading, Rules
from pulumi_cf_billing.provider import _guard
from pulumi_cf_billing.provider._settings import PluginSettings
from pulumi_cf_billing.provider._values import to_plain

from ..conftest import ACCOUNT
from .plugin_process import values


class BrokenReads(PluginSettings):
    """Settings whose reads fail as a bug would: with an exception that is not this library's."""

    def read(self, account_id: str, rules: Rules, now: datetime) -> Reading:
        raise KeyError("floor_usd")


@pytest.mark.parametrize("on_error", ["warn", "fail"])
def test_a_bug_while_judging_goes_through_on_error_in_one_line(on_error: str) -> None:
    news = values(accountId=ACCOUNT, floorUsd=10, onError=on_error)

    checked = _guard.check(api.CheckRequest("urn", {}, news, b""), BrokenReads())

    message = (
        f"CreditBalanceGuard: could not judge the AI Gateway balance of account {ACCOUNT}: an unexpected KeyError "
        "(\"'floor_usd'\"). This is a bug in pulumi-cf-billing: please report it with the command you ran."
    )
    if on_error == "warn":
        assert not checked.failures
        assert checked.inputs is not None
        assert (to_plain(checked.inputs["status"]), to_plain(checked.inputs["message"])) == ("unreadable", message)
    else:
        assert [(failure.property, failure.reason) for failure in checked.failures] == [("floorUsd", message)]
