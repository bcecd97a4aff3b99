"""The ``cf-billing`` plugin as the engine runs it: its own process, spoken to over gRPC.

:class:`PluginProcess` starts ``python -u -m pulumi_cf_billing.provider`` (what the console script and
the source-based plugin run), reads the port from its first line of stdout, and calls it through
Pulumi's generated ``ResourceProvider`` stub with property values as the engine sends them. Every
call has a deadline; every answer and error is searched for the sentinel token and for a Python
traceback, and so is the plugin's stderr when it stops.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime.proto import provider_pb2

from pulumi_cf_billing.provider._values import to_value

from ..conftest import SENTINEL_TOKEN
from ..provider_process import ProviderProcess

RPC_TIMEOUT_S = 20.0
START_TIMEOUT_S = 30.0
GUARD_URN = "urn:pulumi:dev::project::cf-billing:index:CreditBalanceGuard::guard"
Failures = list[tuple[str, str]]


def values(**plain: Any) -> dict[str, PropertyValue]:
    """Keyword arguments as property values: plain data converted, ``PropertyValue`` (secrets, unknowns) kept."""
    return {key: item if isinstance(item, PropertyValue) else to_value(item, str) for key, item in plain.items()}


def secret(value: Any) -> PropertyValue:
    """``value`` marked secret, as the engine sends a secret input."""
    return to_value(value, str, secret=True)


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without Cloudflare settings (the plugin must take them from config), plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}, **extra}


class PluginProcess(ProviderProcess):
    """One running plugin and a stub to it."""

    def __init__(self, stderr_path: Path, env: Mapping[str, str]) -> None:
        argv = [sys.executable, "-u", "-m", "pulumi_cf_billing.provider", "127.0.0.1:1"]
        super().__init__(argv, stderr_path, env, what="the plugin", start_timeout_s=START_TIMEOUT_S)

    # -- the engine's calls -----------------------------------------------------------------------

    def configure(self, args: Mapping[str, PropertyValue]) -> None:
        request = provider_pb2.ConfigureRequest(args=PropertyValue.marshal_map(dict(args)), acceptSecrets=True)
        self.call("Configure", request)

    def check_config(self, args: Mapping[str, PropertyValue]) -> Failures:
        request = provider_pb2.CheckRequest(
            urn="urn:pulumi:dev::p::pulumi:providers:cf-billing::default", news=_map(args)
        )
        return _failures(self.call("CheckConfig", request))

    def check(
        self, news: Mapping[str, PropertyValue], olds: Mapping[str, PropertyValue] | None = None
    ) -> tuple[dict[str, PropertyValue], Failures]:
        request = provider_pb2.CheckRequest(urn=GUARD_URN, olds=_map(olds or {}), news=_map(news))
        response = self.call("Check", request)
        return PropertyValue.unmarshal_map(response.inputs), _failures(response)

    def invoke(self, function: str, args: Mapping[str, PropertyValue]) -> tuple[dict[str, PropertyValue], Failures]:
        request = provider_pb2.InvokeRequest(tok=f"cf-billing:index:{function}", args=_map(args))
        response = self.call("Invoke", request)
        return PropertyValue.unmarshal_map(getattr(response, "return")), _failures(response)

    def read(self, id_: str, props: Mapping[str, PropertyValue]) -> tuple[dict[str, PropertyValue], Any]:
        request = provider_pb2.ReadRequest(id=id_, urn=GUARD_URN, properties=_map(props), inputs=_map(props))
        response = self.call("Read", request)
        return PropertyValue.unmarshal_map(response.properties), response

    def diff(self, olds: Mapping[str, PropertyValue], news: Mapping[str, PropertyValue]) -> Any:
        request = provider_pb2.DiffRequest(id="credit-guard-1", urn=GUARD_URN, olds=_map(olds), news=_map(news))
        return self.call("Diff", request)

    def plugin_version(self, timeout_s: float = RPC_TIMEOUT_S) -> str:
        version: str = self.call("GetPluginInfo", empty_pb2.Empty(), timeout_s).version
        return version

    def cancel(self, timeout_s: float = RPC_TIMEOUT_S) -> None:
        self.call("Cancel", empty_pb2.Empty(), timeout_s)

    # -- plumbing ---------------------------------------------------------------------------------

    def call(self, method: str, request: Any, timeout_s: float = RPC_TIMEOUT_S) -> Any:
        """``method`` with a deadline; an error's text is checked like an answer, then raised."""
        try:
            response = getattr(self.stub, method)(request, timeout=timeout_s)
        except grpc.RpcError as error:
            details = str(error.details())
            assert SENTINEL_TOKEN not in details, f"the plugin's {method} error carries the token"
            assert "Traceback" not in details, f"the plugin's {method} error is a traceback:\n{details}"
            assert "\n" not in details, f"the plugin's {method} error is more than one line:\n{details}"
            raise
        assert SENTINEL_TOKEN.encode() not in response.SerializeToString(), f"{method}'s answer carries the token"
        return response


def _map(props: Mapping[str, PropertyValue]) -> Any:
    return PropertyValue.marshal_map(dict(props))


def _failures(response: Any) -> Failures:
    return [(failure.property, failure.reason) for failure in response.failures]


def assert_clean_stop(plugin: PluginProcess) -> None:
    """Stop ``plugin``; its stderr holds neither the token nor a traceback."""
    stderr = plugin.stop()
    assert SENTINEL_TOKEN not in stderr, "the plugin wrote the token to stderr"
    assert "Traceback" not in stderr, f"the plugin wrote a traceback to stderr:\n{stderr}"
