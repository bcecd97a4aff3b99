"""``CreditBalanceGuardProvider`` inside Pulumi's real dynamic-provider host, driven over gRPC as the engine drives it.

Each test starts ``python -m pulumi.dynamic`` (the host the engine starts for Python dynamic
providers), configures it with stack config holding a sentinel token and the fake's base URL, and
calls Check, Diff, Create, Read, Update and Delete with the ``__provider`` a program would send.
A new host stands for a new ``pulumi`` run: the host keeps its provider, its configuration and
its cache of reads for the life of its process, as it does in a real run.

Every response is searched for the sentinel token, and so is the host's stderr when it stops.
"""

from __future__ import annotations

import asyncio
import base64
import os
import pickletools
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dill
import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from pulumi_cf_billing._pulumi import _dynamic_provider
from pulumi_cf_billing._pulumi._dynamic_provider import CreditBalanceGuardProvider
from pulumi_cf_billing._pulumi._program_judging import verdict_for_guard
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, SENTINEL_TOKEN
from .provider_process import ProviderProcess

SENTINEL = SENTINEL_TOKEN
URN = "urn:pulumi:stack::project::pulumi-python:dynamic/cf-billing:CreditBalanceGuard::guard"
RPC_TIMEOUT_S = 20.0
START_TIMEOUT_S = 60.0
# Pulumi's wire encoding of a secret value (sdk/go/common/resource/sig): a map with this signature key.
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
PROVIDER = serialize_provider(CreditBalanceGuardProvider())


class Host(ProviderProcess):
    """One ``python -m pulumi.dynamic`` process and a gRPC stub to it, speaking plain dicts."""

    def __init__(self, stderr_path: Path, env: dict[str, str]) -> None:
        # -u as the engine starts it: the host prints its port without flushing.
        argv = [sys.executable, "-u", "-m", "pulumi.dynamic"]
        super().__init__(argv, stderr_path, env, what="the provider host", start_timeout_s=START_TIMEOUT_S)
        self.loop = asyncio.new_event_loop()

    # -- the engine's calls -------------------------------------------------------------------

    def configure(self, config: dict[str, Any]) -> None:
        args = struct_pb2.Struct()
        args.update(config)
        self._call("Configure", provider_pb2.ConfigureRequest(args=args, acceptSecrets=True, acceptResources=True))

    def check(self, news: dict[str, Any], olds: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[Any]]:
        request = provider_pb2.CheckRequest(urn=URN, olds=self._struct(olds or {}), news=self._struct(news))
        response = self._call("Check", request)
        return rpc.deserialize_properties(response.inputs, True), list(response.failures)

    def diff(self, olds: dict[str, Any], news: dict[str, Any], id_: str = "credit-guard-1") -> Any:
        request = provider_pb2.DiffRequest(id=id_, urn=URN, olds=self._struct(olds), news=self._struct(news))
        return self._call("Diff", request)

    def create(self, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call("Create", provider_pb2.CreateRequest(urn=URN, properties=self._struct(props)))
        return response.id, rpc.deserialize_properties(response.properties)

    def read(self, id_: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        request = provider_pb2.ReadRequest(id=id_, urn=URN, properties=self._struct(props), inputs=self._struct(props))
        response = self._call("Read", request)
        outputs = rpc.deserialize_properties(response.properties)
        return response.id, outputs, rpc.deserialize_properties(response.inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(id=id_, urn=URN, olds=self._struct(olds), news=self._struct(news))
        outputs: dict[str, Any] = rpc.deserialize_properties(self._call("Update", request).properties)
        return outputs

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._call("Delete", provider_pb2.DeleteRequest(id=id_, urn=URN, properties=self._struct(props)))

    # -- plumbing -----------------------------------------------------------------------------

    def _struct(self, props: dict[str, Any]) -> struct_pb2.Struct:
        struct: struct_pb2.Struct = self.loop.run_until_complete(rpc.serialize_properties(props, {}))
        return struct

    def _call(self, method: str, request: Any) -> Any:
        try:
            response = getattr(self.stub, method)(request, timeout=RPC_TIMEOUT_S)
        except grpc.RpcError as error:
            if SENTINEL in str(error):
                pytest.fail(f"the host's {method} error carries the token", pytrace=False)
            raise
        assert SENTINEL.encode() not in response.SerializeToString(), f"the host's {method} response carries the token"
        return response

    def stop(self) -> str:
        """Stop the host (idempotent) and return its stderr."""
        if hasattr(self, "loop"):
            self.loop.close()
        return super().stop()


HostFactory = Callable[..., Host]


def test_a_host_that_does_not_start_is_reported_with_its_stderr(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "pulumi"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise SystemExit('this pulumi is broken on purpose')\n")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(shadow.parent)}
    with pytest.raises(pytest.fail.Exception, match=r"did not start(?s:.)*broken on purpose"):
        Host(tmp_path / "host.stderr", env)


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    """The fake with one account at $49.99 and the sentinel token granted to it."""
    fake_cloudflare_api.add_account(ACCOUNT, balance_cents=4999)
    fake_cloudflare_api.add_token(SENTINEL)
    return fake_cloudflare_api


@pytest.fixture
def start_host(api: FakeCloudflareAPI, tmp_path: Path) -> Iterator[HostFactory]:
    """Start a configured host, as one ``pulumi`` run does; every host is stopped and its stderr checked."""
    hosts: list[Host] = []
    # Only the stack config handed to configure() may hold credentials: none come from the environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDFLARE_", "PULUMI_CONFIG"))}

    def start(config: dict[str, Any] | None = None) -> Host:
        host = Host(tmp_path / f"host-{len(hosts)}.stderr", env)
        hosts.append(host)
        default = {"cloudflare:apiToken": SENTINEL, "cloudflare:baseUrl": api.base_url}
        host.configure(default if config is None else config)
        return host

    yield start
    for host in hosts:
        stderr = host.stop()
        assert SENTINEL not in stderr, "the host wrote the token to stderr"
        assert "Traceback" not in stderr, f"the host wrote a traceback to stderr:\n{stderr}"


def guard(**overrides: Any) -> dict[str, Any]:
    """The inputs a program's ``CreditBalanceGuard`` sends (unset ones are left out, as Pulumi does)."""
    inputs = {
        "account_id": ACCOUNT,
        "floor_usd": 40,
        "require_auto_topup": False,
        "on_breach": "fail",
        "on_error": "fail",
        "credentials_namespace": "cloudflare",
        "__provider": PROVIDER,
    }
    return {key: value for key, value in (inputs | overrides).items() if value is not None}


def observation(balance_usd: float, **inputs: Any) -> dict[str, Any]:
    """What an earlier check recorded, as the engine hands it back in ``olds``."""
    return guard(**inputs) | {
        "balance": balance_usd * 100,
        "balance_usd": balance_usd,
        "has_default_payment_method": True,
        "payment_method": {"brand": "visa", "last4": "4242"},
        "topup_config": {"enabled": True, "amount": 2000, "threshold": 1000, "amount_usd": 20, "threshold_usd": 10},
        "first_topup_success": True,
        "status": "ok",
        "message": "an earlier message",
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def assert_recent(timestamp: str) -> None:
    moment = datetime.fromisoformat(timestamp)
    assert moment.tzinfo is not None
    assert timedelta(seconds=-2) <= datetime.now(UTC) - moment <= timedelta(seconds=30)


def assert_one_clean_line(reason: str) -> None:
    assert "\n" not in reason
    assert "Traceback" not in reason
    assert SENTINEL not in reason


# -- check -------------------------------------------------------------------------------


def test_below_the_floor_check_fails_with_one_clean_line(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    inputs, failures = start_host().check(guard(floor_usd=50))

    assert [failure.property for failure in failures] == ["floor_usd"]
    reason = failures[0].reason
    assert_one_clean_line(reason)
    assert reason.startswith("CreditBalanceGuard: ")
    assert ACCOUNT in reason
    assert "balance $49.99 is below the floor $50.00" in reason
    assert "auto top-up $20.00 when under $10.00" in reason
    assert inputs == guard(floor_usd=50)  # no observation is recorded for a failed check
    assert api.request_count() == 1


def test_above_the_floor_check_returns_the_inputs_and_the_observation(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    inputs, failures = start_host().check(guard(floor_usd="40"))

    assert failures == []
    assert inputs == guard(floor_usd="40") | {
        "balance": 4999,
        "balance_usd": 49.99,
        "has_default_payment_method": True,
        "payment_method": {"brand": "visa", "last4": "4242"},
        "topup_config": {"enabled": True, "amount": 2000, "threshold": 1000, "amount_usd": 20, "threshold_usd": 10},
        "first_topup_success": True,
        "status": "ok",
        "message": "balance $49.99 is at or above the floor $40.00",
    }  # no runway or spending-limit rule: those outputs are None, which the engine leaves out
    assert api.request_count() == 1  # the balance alone


def test_the_balance_exactly_at_the_floor_passes(start_host: HostFactory) -> None:
    inputs, failures = start_host().check(guard(floor_usd=49.99))

    assert failures == []
    assert inputs["status"] == "ok"


@pytest.mark.parametrize(
    ("overrides", "prop", "expected"),
    [
        pytest.param({"account_id": "not-an-account"}, "account_id", "is not a Cloudflare account id", id="account"),
        pytest.param({"account_id": None}, "account_id", "No Cloudflare account id was given", id="no-account"),
        pytest.param({"account_id": 12345}, "account_id", "is not a Cloudflare account id", id="number-account"),
        pytest.param({"floor_usd": "lots"}, "floor_usd", "plain non-negative number of US dollars", id="floor"),
        pytest.param({"floor_usd": -1}, "floor_usd", "floor_usd must be a plain non-negative number", id="negative"),
        pytest.param({"min_runway_days": "soon"}, "min_runway_days", "plain non-negative number of days", id="runway"),
        pytest.param({"floor_usd": "$40"}, "floor_usd", "got '$40'", id="dollar-sign"),
        pytest.param({"require_spending_limit": "false"}, "require_spending_limit", "true or false", id="text-bool"),
        pytest.param({"on_breach": "explode"}, "on_breach", "on_breach must be 'fail' or 'warn'", id="on-breach"),
        pytest.param({"on_error": "ignore"}, "on_error", "on_error must be 'fail' or 'warn'", id="on-error"),
    ],
)
def test_check_refuses_bad_inputs_before_any_request(
    api: FakeCloudflareAPI, start_host: HostFactory, overrides: dict[str, Any], prop: str, expected: str
) -> None:
    inputs, failures = start_host().check(guard(**overrides))

    assert [failure.property for failure in failures] == [prop]
    assert expected in failures[0].reason
    assert_one_clean_line(failures[0].reason)
    assert inputs == guard(**overrides)
    assert api.request_count() == 0


@pytest.mark.parametrize("unknown", ["account_id", "floor_usd", "min_runway_days", "on_breach"])
def test_an_unknown_input_in_preview_is_checked_later_without_a_request(
    api: FakeCloudflareAPI, start_host: HostFactory, unknown: str
) -> None:
    inputs, failures = start_host().check(guard(**{unknown: rpc.UNKNOWN}))

    assert failures == []
    assert isinstance(inputs.pop(unknown), Unknown)  # handed back to the engine still unknown
    assert inputs == guard(**{unknown: None})
    assert api.request_count() == 0


# -- runway ------------------------------------------------------------------------------


def test_runway_is_measured_from_cloudflares_usage_history(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    api.accounts[ACCOUNT].balance_cents = 5000
    api.accounts[ACCOUNT].spend_usd_per_day = 5

    inputs, failures = start_host().check(guard(min_runway_days=1))

    assert failures == []
    # $5 a day over the last 7 complete days; $10 above the $40 floor lasts 2 days.
    assert (inputs["spend_usd_per_day"], inputs["days_until_floor"]) == (5, 2)
    assert api.request_count(ACCOUNT, "credit-balance") == api.request_count(ACCOUNT, "usage-history") == 1
    [usage] = [r for r in api.requests if r.endpoint == "usage-history"]
    assert "value_grouping_window=day" in usage.path


def test_no_spend_measured_means_no_runway_to_fail_on(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    inputs, failures = start_host().check(guard(min_runway_days=30))

    assert failures == []
    assert inputs["spend_usd_per_day"] == 0
    assert "days_until_floor" not in inputs  # None: no pace, no date


@pytest.mark.parametrize(("on_breach", "fails"), [("fail", True), ("warn", False)])
def test_too_short_a_runway_is_a_breach(
    api: FakeCloudflareAPI, start_host: HostFactory, on_breach: str, fails: bool
) -> None:
    api.accounts[ACCOUNT].balance_cents = 5000
    api.accounts[ACCOUNT].spend_usd_per_day = 5

    inputs, failures = start_host().check(guard(min_runway_days=3, on_breach=on_breach))

    problem = "at $5.00 a day (the mean of the last 7 days) the floor is 2.0 days away, under the 3 required"
    if fails:
        assert [failure.property for failure in failures] == ["floor_usd"]
        assert problem in failures[0].reason
        assert "balance $50.00, floor $40.00" in failures[0].reason
        assert_one_clean_line(failures[0].reason)
    else:
        assert failures == []
        assert inputs["status"] == "breach"
        assert problem in inputs["message"]


def test_a_runway_long_enough_passes_and_the_window_is_an_option(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    api.accounts[ACCOUNT].balance_cents = 5000
    api.accounts[ACCOUNT].spend_usd_per_day = 5

    inputs, failures = start_host().check(guard(min_runway_days=1.5, runway_window_days=3))

    assert failures == []
    assert (inputs["status"], inputs["runway_window_days"]) == ("ok", 3)


def test_a_spending_limit_can_be_required(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    host = start_host()
    _, failures = host.check(guard(require_spending_limit=True))
    assert "an account spending limit must be enabled" in failures[0].reason
    api.accounts[ACCOUNT].spending_limit = {"amount": 20000, "duration": "monthly", "strategy": "fixed"}

    inputs, failures = host.check(guard(require_spending_limit=True))

    assert failures == []
    assert inputs["spending_limit"] == {
        "enabled": True, "amount": 20000, "amount_usd": 200, "duration": "monthly", "strategy": "fixed",
    }  # fmt: skip
    assert api.request_count(ACCOUNT, "spending-limit") == 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"topup_error": "card declined"}, "the last top-up failed 20"),
        ({"has_default_payment_method": False}, "the account has no default payment method"),
    ],
    ids=["failed-recently", "no-payment-method"],
)
def test_auto_top_up_must_actually_work_when_required(
    api: FakeCloudflareAPI, start_host: HostFactory, change: dict[str, Any], expected: str
) -> None:
    api.change_account(ACCOUNT, change)

    _, failures = start_host().check(guard(require_auto_topup=True))

    assert [failure.property for failure in failures] == ["floor_usd"]
    reason = failures[0].reason
    assert "auto top-up would not work: " in reason
    assert expected in reason
    assert reason.count("auto top-up") == 1  # the top-up state is said once, in the problem
    assert reason.count("card declined") == ("topup_error" in change)
    assert_one_clean_line(reason)


# -- an unreadable balance -----------------------------------------------------------------


@pytest.mark.parametrize("on_error", ["fail", "warn"])
def test_an_unreadable_balance_fails_closed_or_warns(
    api: FakeCloudflareAPI, start_host: HostFactory, on_error: str
) -> None:
    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    olds = observation(55, on_error=on_error)

    inputs, failures = start_host().check(guard(on_error=on_error), olds=olds)

    if on_error == "fail":
        assert [failure.property for failure in failures] == ["floor_usd"]
        message = failures[0].reason
    else:
        assert failures == []
        assert inputs["status"] == "unreadable"
        message = inputs["message"]
        # The last observation is carried over, so the state still shows what was last seen.
        assert inputs["balance_usd"] == 55
    assert message.startswith(f"CreditBalanceGuard: could not read the AI Gateway balance of account {ACCOUNT}: ")
    assert_one_clean_line(message)


def test_without_credentials_the_check_fails_closed_with_what_to_do(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    host = start_host({"cloudflare:baseUrl": api.base_url})

    _, failures = host.check(guard())

    assert [failure.property for failure in failures] == ["floor_usd"]
    assert "No Cloudflare credentials are configured" in failures[0].reason
    assert "cloudflare:apiToken" in failures[0].reason
    assert_one_clean_line(failures[0].reason)
    assert api.request_count() == 0


def test_credentials_can_come_as_a_secret_and_from_another_namespace(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    host = start_host({"billing-b:apiToken": SECRET_SIG | {"value": SENTINEL}, "billing-b:baseUrl": api.base_url})

    inputs, failures = host.check(guard(credentials_namespace="billing-b"))

    assert failures == []
    assert inputs["balance_usd"] == 49.99


# -- the resource lifecycle ----------------------------------------------------------------


def test_create_records_the_checked_state_without_a_request(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    host = start_host()
    checked, _ = host.check(guard())

    id_, state = host.create(checked)

    assert id_.startswith("credit-guard-")
    assert state == checked
    assert api.request_count() == 1


def test_an_unchanged_balance_in_the_next_run_shows_no_diff(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    first_run = start_host()
    checked, _ = first_run.check(guard())
    id_, state = first_run.create(checked)

    rechecked, failures = start_host().check(guard(), olds=checked)
    diff = start_host().diff(state, rechecked, id_)

    assert failures == []
    assert rechecked == checked  # nothing new observed, and nothing in state depends on when
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE
    assert api.request_count() == 2


def test_a_changed_balance_in_the_next_run_shows_a_diff_and_update_records_it(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    first_run = start_host()
    checked, _ = first_run.check(guard(min_runway_days=0.5))
    id_, state = first_run.create(checked)
    api.accounts[ACCOUNT].balance_cents = 4499
    api.accounts[ACCOUNT].spend_usd_per_day = 5

    next_run = start_host()
    rechecked, failures = next_run.check(guard(min_runway_days=0.5), olds=checked)
    diff = next_run.diff(state, rechecked, id_)
    updated = next_run.update(id_, state, rechecked)

    assert failures == []
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []
    assert updated == rechecked
    assert (updated["balance"], updated["balance_usd"]) == (4499, 44.99)
    assert (updated["spend_usd_per_day"], updated["days_until_floor"]) == (5, 0.998)


def test_a_changed_floor_shows_a_diff(start_host: HostFactory) -> None:
    host = start_host()
    checked, _ = host.check(guard())
    _, state = host.create(checked)

    rechecked, _ = host.check(guard(floor_usd=45), olds=checked)

    assert host.diff(state, rechecked).changes == provider_pb2.DiffResponse.DIFF_SOME


def test_refresh_observes_again_and_records_a_breach_without_failing(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    first_run = start_host()
    checked, _ = first_run.check(guard())
    id_, state = first_run.create(checked)
    api.accounts[ACCOUNT].balance_cents = 3000

    read_id, outputs, inputs = start_host().read(id_, state)

    assert read_id == id_
    assert (outputs["balance"], outputs["balance_usd"]) == (3000, 30)
    assert outputs["status"] == "breach"
    assert "balance $30.00 is below the floor $40.00" in outputs["message"]
    assert inputs == outputs
    assert outputs["__provider"] == PROVIDER
    assert api.request_count() == 2


def test_delete_makes_no_request_even_without_credentials(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    first_run = start_host()
    checked, _ = first_run.check(guard())
    id_, state = first_run.create(checked)
    requests = api.request_count()

    start_host({}).delete(id_, state)

    assert api.request_count() == requests == 1


# -- no credential anywhere ----------------------------------------------------------------


def test_the_host_writes_nothing_of_the_token_after_a_full_lifecycle(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    host = start_host()
    checked, _ = host.check(guard())
    id_, state = host.create(checked)
    host.check(guard(floor_usd=50), olds=checked)
    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))
    host.check(guard(on_error="warn"), olds=checked)
    host.read(id_, state)
    host.delete(id_, state)

    stderr = host.stop()

    assert SENTINEL not in stderr
    assert SENTINEL not in repr(state)


def test_the_provider_is_pickled_by_reference_with_no_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dynamic_provider, "_stack_config", {})
    provider = CreditBalanceGuardProvider()
    provider.configure(ConfigureRequest(Config({"cloudflare:apiToken": SENTINEL}, "project")))

    serialized = serialize_provider(provider)

    assert serialized == PROVIDER  # configure() left nothing on the object
    raw = base64.b64decode(serialized, validate=True)
    assert SENTINEL.encode() not in raw
    assert len(raw) < 200
    strings = [arg for _, arg, _ in pickletools.genops(raw) if isinstance(arg, str)]
    assert strings == ["pulumi_cf_billing._pulumi._dynamic_provider", "CreditBalanceGuardProvider"]


@pytest.fixture
def program_env(api: FakeCloudflareAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials a program run finds in its environment: the sentinel token, the fake's base URL."""
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", SENTINEL)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", api.base_url)


def program_verdict(**overrides: Any) -> dict[str, Any]:
    """The verdict a program's guard makes (reading the fake) and sends with its inputs."""
    values = {
        key: value for key, value in guard(**overrides).items() if key not in ("credentials_namespace", "__provider")
    }
    return verdict_for_guard(values)


@pytest.mark.usefixtures("program_env")
def test_the_programs_verdict_is_reported_without_a_request(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    below, above = program_verdict(floor_usd=50), program_verdict(floor_usd="49.99")
    made = api.request_count()  # the program's reads (outside a program run, one per verdict)
    host = start_host()

    _, failures = host.check(guard(floor_usd=50, verdict=below))
    inputs, passed = host.check(guard(floor_usd="49.99", verdict=above))

    assert [failure.reason for failure in failures] == [below["outputs"]["message"]]
    assert "balance $49.99 is below the floor $50.00" in failures[0].reason
    assert_one_clean_line(failures[0].reason)
    assert passed == []
    assert (inputs["balance"], inputs["status"]) == (4999, "ok")
    assert "verdict" not in inputs  # state keeps the outputs, not the verdict that carried them
    _, recorded = host.create(inputs)
    assert recorded["message"] == "balance $49.99 is at or above the floor $49.99"
    assert api.request_count() == made


@pytest.mark.usefixtures("program_env")
def test_inputs_the_program_refused_are_reported_by_name(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    verdict = program_verdict(floor_usd="$40", on_error="ignore")

    _, failures = start_host().check(guard(floor_usd="$40", on_error="ignore", verdict=verdict))

    assert [failure.property for failure in failures] == ["floor_usd", "on_error"]
    assert "got '$40'" in failures[0].reason
    assert api.request_count() == 0


@pytest.mark.usefixtures("program_env")
def test_an_error_the_program_met_fails_closed_with_its_message(
    api: FakeCloudflareAPI, start_host: HostFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "not-granted-token")
    verdict = program_verdict(floor_usd=50)

    _, failures = start_host().check(guard(floor_usd=50, verdict=verdict))

    assert_one_clean_line(failures[0].reason)
    assert "could not read the AI Gateway balance" in failures[0].reason
    assert "not-granted-token" not in failures[0].reason
    assert api.request_count() == 1  # the program's


@pytest.mark.usefixtures("program_env")
def test_an_unreadable_account_keeps_the_previous_reading_in_state(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    api.inject(ACCOUNT, Fault.not_json())
    verdict = program_verdict(floor_usd=50, on_error="warn")

    news, failures = start_host().check(guard(floor_usd=50, on_error="warn", verdict=verdict), observation(61.5))

    assert failures == []
    assert (news["status"], news["balance_usd"], news["balance"]) == ("unreadable", 61.5, 6150)
    assert "could not read the AI Gateway balance" in news["message"]


@pytest.mark.usefixtures("program_env")
def test_the_program_judges_digit_for_digit(api: FakeCloudflareAPI, start_host: HostFactory) -> None:
    api.change_account(ACCOUNT, {"balance_cents": Decimal("4999.99999999999999999999999999")})
    verdict = program_verdict(floor_usd=50)

    _, failures = start_host().check(guard(floor_usd=50, verdict=verdict))

    assert "balance $49.9999999999999999999999999999 is below the floor $50.00" in failures[0].reason


def test_a_known_wrong_input_fails_while_the_verdict_is_unknown(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    host = start_host()

    _, failures = host.check(guard(floor_usd="lots", min_runway_days=rpc.UNKNOWN, verdict=rpc.UNKNOWN))
    inputs, waiting = host.check(guard(verdict=rpc.UNKNOWN))

    assert [failure.property for failure in failures] == ["floor_usd"]
    assert waiting == []
    assert isinstance(inputs.pop("verdict"), Unknown)
    assert inputs == guard()  # nothing judged yet: the engine asks again with the values known
    assert api.request_count() == 0


# Recorded from release 0.1.0, whose provider lived in pulumi_cf_billing._guard_provider: every stack
# deployed with it holds this string in its state, and must keep loading.
PROVIDER_RECORDED_BY_0_1_0 = (
    "gASVRwAAAAAAAACMIXB1bHVtaV9jZl9iaWxsaW5nLl9ndWFyZF9wcm92aWRlcpSMGkNyZWRpdEJhbGFuY2VHdWFyZFByb3ZpZGVylJOUKYGULg=="
)


def test_a_provider_recorded_by_release_0_1_0_still_loads_and_judges(
    api: FakeCloudflareAPI, start_host: HostFactory
) -> None:
    raw = base64.b64decode(PROVIDER_RECORDED_BY_0_1_0)
    strings = [arg for _, arg, _ in pickletools.genops(raw) if isinstance(arg, str)]
    assert strings == ["pulumi_cf_billing._guard_provider", "CreditBalanceGuardProvider"]
    assert type(dill.loads(raw)) is CreditBalanceGuardProvider  # noqa: S301  # a fixed string of ours
    _, failures = start_host().check(guard(floor_usd=50, __provider=PROVIDER_RECORDED_BY_0_1_0))
    assert "balance $49.99 is below the floor $50.00" in failures[0].reason
