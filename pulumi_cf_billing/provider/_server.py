"""Serving the provider to the engine: Pulumi's provider servicer behind :class:`._errors.OneLineErrors`.

Like :func:`pulumi.provider.experimental.server.main` (same arguments, the port on stdout's first
line), with two differences: no call ends in a Python traceback, and the event loop gets a thread
pool as wide as the engine's default parallelism, for the handlers that read Cloudflare
(``asyncio.to_thread``), so N guards or functions read at once and ``GetPluginInfo`` and ``Cancel``
answer at once while they do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import grpc.aio
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from ._errors import OneLineErrors

__all__ = ["READ_THREADS", "serve"]

READ_THREADS = max(8, 4 * (os.cpu_count() or 1))
"""Reads at once: the engine's default ``--parallel`` (four per CPU), so no resource waits on another's read."""


def serve(argv: list[str], version: str, provider: api.Provider) -> None:
    """``pulumi-resource-cf-billing ENGINE_ADDRESS``: serve until the engine stops the process."""
    parser = argparse.ArgumentParser(description="The cf-billing Pulumi provider plugin (gRPC server)")
    parser.add_argument("engine", help="the Pulumi engine's address")
    parser.add_argument("--logflow", action="store_true", help="ignored, as Pulumi's own servers do")
    parser.add_argument("--logtostderr", action="store_true", help="ignored, as Pulumi's own servers do")
    engine = parser.parse_known_args(argv)[0].engine
    with contextlib.suppress(KeyboardInterrupt):  # the engine stops plugins with a signal: no traceback
        asyncio.run(_serve(argv, version, provider, engine))


async def _serve(argv: list[str], version: str, provider: api.Provider, engine: str) -> None:
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="cf-billing-read")
    )
    server = grpc.aio.server(interceptors=[OneLineErrors()])
    servicer = ProviderServicer(argv, version, provider, engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")  # the engine reads the port from the first line
    sys.stdout.flush()
    await server.wait_for_termination()
