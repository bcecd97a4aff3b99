"""The ``cf-billing`` provider plugin: the balance as functions and the guard as a resource, for every Pulumi language.

Served by the ``pulumi-resource-cf-billing`` console script (or this directory's ``PulumiPlugin.yaml``
as a source-based plugin). Its schema, ``schema.json`` here, is the one source of truth for names
and types. It parses and judges with the one guard definition (:mod:`.._guard_definition`,
:mod:`.._guard_judging`), as the dynamic guard does, without loading the dynamic provider's
machinery; it reads with the same client, and speaks the same units: ``balance`` in US cents, ``*Usd`` in US dollars.

- **Numbers are doubles.** The engine's wire (protobuf ``Struct``) has one kind of number, a 64-bit
  float, so every number in and out is one: ``49.99`` arrives as the double nearest it and is read
  back as ``Decimal("49.99")`` (shortest repr), and outputs such as ``balanceUsd`` are doubles, exact
  to about 15 significant digits. ``status`` and ``message`` are judged exactly, from ``Decimal``,
  before anything is converted.
- **Unknowns wait.** In ``pulumi preview`` an input computed from another resource is not known yet;
  the guard then neither fails nor reads, and judges at ``pulumi up`` when it is.
- **Secrets stay secret.** Inputs keep their secret marks; if any guard input (or a function's
  argument, or the default ``cf-billing:accountId``) is secret, every output derived from it is secret.
- **Config is strict.** Credentials come from the provider's config (``cf-billing:apiToken``, secret;
  or ``cf-billing:apiKey`` + ``cf-billing:email``; ``cf-billing:baseUrl``; ``cf-billing:accountId``),
  else the ``CLOUDFLARE_*`` environment. A config value that is not a non-empty text is refused,
  naming its key, rather than skipped for the environment's (maybe another account's) credential.
  Credentials never reach an output or the state.
- **Calls run side by side.** Handlers that read Cloudflare run in threads, so reads overlap and
  ``GetPluginInfo`` and ``Cancel`` answer at once; a failure is one line, never a Python traceback.
- **It starts light.** The engine waits for the plugin's port: the plugin prints it before it loads the
  functions (``_functions``, with the endpoint table), the guard (``_guard``, with the judging) and the
  client, which load on the first request that needs them.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from pulumi.provider.experimental import provider as api

from .._exceptions import ConfigurationError
from .._version import __version__
from ._server import serve
from ._settings import PluginSettings, config_problems, parse_config

__all__ = ["SCHEMA_PATH", "CfBillingProvider", "main"]

SCHEMA_PATH = Path(__file__).with_name("schema.json")


class CfBillingProvider(api.Provider):
    """The provider: ``getCreditBalance``, ``getUsageHistory``, ``getSpendingLimit`` and ``CreditBalanceGuard``.

    ``environ`` (default: the process's) is where credentials are found when the config has none.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._settings = PluginSettings(environ=os.environ if environ is None else environ)

    async def get_schema(self, request: api.GetSchemaRequest) -> api.GetSchemaResponse:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        return api.GetSchemaResponse(schema=json.dumps({**schema, "version": __version__}))

    async def check_config(self, request: api.CheckRequest) -> api.CheckResponse:
        problems = config_problems(request.new_inputs)
        failures = [api.CheckFailure(key, reason) for key, reason in problems.items()]
        return api.CheckResponse(inputs=request.new_inputs, failures=failures)

    async def configure(self, request: api.ConfigureRequest) -> api.ConfigureResponse:
        problems = config_problems(request.args)
        if problems:
            raise ConfigurationError(" ".join(problems.values()))
        self._settings = parse_config(request.args, self._settings.environ)
        return api.ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def invoke(self, request: api.InvokeRequest) -> api.InvokeResponse:
        from . import _functions  # noqa: PLC0415  # loaded on the first request: see the module docstring

        return await asyncio.to_thread(_functions.invoke, request, self._settings)

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        from . import _guard  # noqa: PLC0415  # loaded on the first request: see the module docstring

        return await asyncio.to_thread(_guard.check, request, self._settings)

    async def read(self, request: api.ReadRequest) -> api.ReadResponse:
        from . import _guard  # noqa: PLC0415  # loaded on the first request: see the module docstring

        return await asyncio.to_thread(_guard.read, request, self._settings)

    async def diff(self, request: api.DiffRequest) -> api.DiffResponse:
        from . import _guard  # noqa: PLC0415  # loaded on the first request: see the module docstring

        return _guard.diff(request)

    async def create(self, request: api.CreateRequest) -> api.CreateResponse:
        from . import _guard  # noqa: PLC0415  # loaded on the first request: see the module docstring

        return _guard.create(request)

    async def update(self, request: api.UpdateRequest) -> api.UpdateResponse:
        from . import _guard  # noqa: PLC0415  # loaded on the first request: see the module docstring

        return _guard.update(request)

    async def delete(self, request: api.DeleteRequest) -> None:
        """Nothing to delete at Cloudflare: a guard only reads."""


def main() -> None:
    """``pulumi-resource-cf-billing ENGINE_ADDRESS``: serve the provider to the engine."""
    serve(sys.argv[1:], __version__, CfBillingProvider())
