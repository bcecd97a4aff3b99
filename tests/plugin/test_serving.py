"""How the plugin process serves: calls side by side, and no call ever ends in a Python traceback."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2

from pulumi_cf_billing import __version__
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from ..conftest import ACCOUNT
from .plugin_process import GUARD_URN, PluginProcess, values

LATENCY_S = 1.5
"""How long the fake takes to answer each read here; four reads one after another would take 4x this."""


def test_reads_run_side_by_side_and_plugin_info_and_cancel_answer_meanwhile(
    plugin: PluginProcess, api: FakeCloudflareAPI
) -> None:
    api.inject(ACCOUNT, Fault.slow(LATENCY_S))  # every read of the account, until the test ends
    guard = values(accountId=ACCOUNT, floorUsd=10)
    calls: list[Any] = [
        lambda: plugin.check(guard),
        lambda: plugin.check(guard),
        lambda: plugin.invoke("getCreditBalance", values(accountId=ACCOUNT)),
        lambda: plugin.invoke("getSpendingLimit", values(accountId=ACCOUNT)),
    ]
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        started = time.monotonic()
        futures: list[Future[Any]] = [pool.submit(call) for call in calls]
        assert api.wait_for_requests(len(calls), timeout_s=LATENCY_S * 2), "the reads did not all start at once"

        assert plugin.plugin_version(timeout_s=LATENCY_S) == __version__
        plugin.cancel(timeout_s=LATENCY_S)
        assert not any(future.done() for future in futures)  # they answered while every read was in flight

        results = [future.result(timeout=LATENCY_S * 4) for future in futures]
        elapsed = time.monotonic() - started
    assert all(failures == [] for _, failures in results)
    assert elapsed < LATENCY_S * 2.5, f"4 reads of {LATENCY_S} s took {elapsed:.2f} s: they waited for each other"


def test_a_malformed_request_is_one_line_not_a_traceback(plugin: PluginProcess, api: FakeCloudflareAPI) -> None:
    """A secret without its value breaks Pulumi's own unmarshalling, before our code: still one line."""
    broken = struct_pb2.Struct()
    broken.update({"floorUsd": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}})

    with pytest.raises(grpc.RpcError) as raised:
        plugin.call("Check", provider_pb2.CheckRequest(urn=GUARD_URN, news=broken))

    assert raised.value.code() == grpc.StatusCode.UNKNOWN
    assert raised.value.details() == (
        "cf-billing: Check failed with an unexpected ValueError (\"Secret value missing 'value' field.\"). "
        "This is a bug in pulumi-cf-billing: please report it with the command you ran."
    )


def test_a_method_the_plugin_does_not_implement_is_one_line(plugin: PluginProcess) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        plugin.call("Construct", provider_pb2.ConstructRequest(type="cf-billing:index:Nothing", name="x"))

    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert raised.value.details() == "cf-billing does not implement Construct."
