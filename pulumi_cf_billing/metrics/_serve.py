"""Where the exposition goes: an HTTP endpoint for Prometheus, or a file for node_exporter's textfile collector.

The HTTP endpoint answers in the OpenMetrics text format when the scraper asks for it (Prometheus
does), else in Prometheus' classic text format; ``prometheus_client`` picks from the ``Accept``
header. The file is always the classic format, which node_exporter reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import start_http_server, write_to_textfile
from prometheus_client.registry import CollectorRegistry

from .._exceptions import ConfigurationError

__all__ = ["check_textfile", "serving", "write_textfile"]


@contextmanager
def serving(registry: CollectorRegistry, host: str, port: int) -> Iterator[tuple[str, int]]:
    """Serve ``registry`` on ``host``:``port`` (0: a free port) in a background thread; yields the bound address.

    Raises :class:`ConfigurationError` when the address cannot be listened on.
    """
    try:
        server, thread = start_http_server(port, host, registry)
    except OSError as error:
        raise ConfigurationError(f"Cannot listen on {host}:{port}: {error.strerror or error}.") from None
    try:
        bound = server.server_address
        yield str(bound[0]), int(bound[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def check_textfile(path: str) -> None:
    """Refuse, before any read, a textfile path node_exporter would ignore or that cannot be written."""
    target = Path(path)
    if target.suffix != ".prom":
        raise ConfigurationError(
            f"The textfile {path} must end in .prom: node_exporter's textfile collector reads only *.prom files."
        )
    directory = target.parent
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"Cannot write the textfile {path}: its directory {directory} is missing or not writable."
        )


def write_textfile(registry: CollectorRegistry, path: str) -> None:
    """Write the exposition to ``path`` atomically: a temporary file in the same directory, then a rename.

    Raises :class:`ConfigurationError` naming the path when it cannot be written.
    """
    try:
        write_to_textfile(path, registry)
    except OSError as error:
        raise ConfigurationError(f"Cannot write the textfile {path}: {error.strerror or error}.") from None
