"""A provider process started as the Pulumi engine starts one, and a gRPC stub to it.

The engine runs a provider, waits for the port on its first line of stdout and speaks
``ResourceProvider`` to it. :class:`ProviderProcess` does the same for the tests of the
``cf-billing`` plugin (``tests/plugin``) and of the dynamic-provider host
(``tests/test_dynamic_provider_host.py``): start with a deadline on the port, stop (idempotent),
and the process's stderr, which its tests search when it stops.
"""

from __future__ import annotations

import selectors
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2_grpc

__all__ = ["ProviderProcess"]


class ProviderProcess:
    """``argv`` running with its stderr in ``stderr_path``; ``what`` names it in a failure to start."""

    def __init__(
        self, argv: Sequence[str], stderr_path: Path, env: Mapping[str, str], *, what: str, start_timeout_s: float
    ) -> None:
        self.stderr_path = stderr_path
        self.stopped = False
        with stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(  # noqa: S603  # our own interpreter, fixed arguments
                list(argv), stdout=subprocess.PIPE, stderr=stderr, env=dict(env)
            )
        port = self._first_line(start_timeout_s).strip()
        if not port.isdigit():
            self.stop()
            pytest.fail(f"{what} did not start: {port!r}\n{self.stderr_text()}", pytrace=False)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{int(port)}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _first_line(self, timeout_s: float) -> str:
        """The first line the process prints, or ``""`` when it prints none within ``timeout_s`` (or exits)."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout_s):
                return ""
        return self.process.stdout.readline().decode(errors="replace")

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> str:
        """Stop the process (idempotent) and return its stderr."""
        if not self.stopped:
            self.stopped = True
            if hasattr(self, "channel"):
                self.channel.close()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            assert self.process.stdout is not None
            self.process.stdout.close()
        return self.stderr_text()
