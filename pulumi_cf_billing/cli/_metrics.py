"""``cf-billing metrics``: the guard's view of every account, for Prometheus, refreshed in the background.

Serves ``/metrics`` (``--listen``), writes a file for node_exporter's textfile collector
(``--textfile``), or both; ``--once`` writes the file after one read and exits (for cron). The
bound URL is the only thing printed on stdout; notes for people go to stderr. No credential is
ever printed or exposed.
"""

from __future__ import annotations

import argparse
import sys
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import metrics
from .._assess import Rules
from .._exceptions import ConfigurationError
from .._pacing import CLOUDFLARE_LIMIT
from .._retry import Timeout
from .._text import shown
from ..metrics import DEFAULT_INTERVAL_S, DEFAULT_REQUEST_BUDGET
from ._exit_codes import ExitCode
from ._rules import add_rule_flags, parse_rules
from ._signals import stop_on_signals
from ._types import port_number, positive_int, positive_seconds

if TYPE_CHECKING:
    from ..metrics import Cycle, Exporter
    from ._args import AddParser, ReadOptions

__all__ = ["MIN_INTERVAL_S", "MetricsCommand", "add_metrics_parser", "metrics_command", "run_metrics"]

MIN_INTERVAL_S = 60.0
"""The shortest ``--interval``: more often would spend the token's rate limit for readings that barely move."""


@dataclass(frozen=True)
class MetricsCommand:
    """``cf-billing metrics``: what to read and judge, how often, and where the exposition goes."""

    read: ReadOptions
    rules: Rules
    interval_s: float
    request_budget: int
    listen: tuple[str, int] | None
    textfile: str | None
    once: bool


def listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9464`` for IPv6; port 0 picks a free one)."""
    host, colon, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, like 127.0.0.1:9464; got {shown(text)}")
    return host, port_number(port)


def interval_seconds(text: str) -> float:
    """Seconds between reads: at least :data:`MIN_INTERVAL_S`."""
    seconds = positive_seconds(text)
    if seconds < MIN_INTERVAL_S:
        raise argparse.ArgumentTypeError(f"expected at least {MIN_INTERVAL_S:g} seconds; got {shown(text)}")
    return seconds


def request_budget(text: str) -> int:
    """Requests per 5 minutes: 1 to Cloudflare's limit."""
    number = positive_int(text)
    if number > CLOUDFLARE_LIMIT:
        raise argparse.ArgumentTypeError(f"expected at most Cloudflare's {CLOUDFLARE_LIMIT}; got {shown(text)}")
    return number


def add_metrics_parser(add_parser: AddParser, read_options: argparse.ArgumentParser, epilog: str) -> None:
    """The ``metrics`` subcommand, with the read options of the other read commands (``read_options``)."""
    parser = add_parser(
        "metrics",
        parents=[read_options],
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="export balances and the guard's verdict to Prometheus",
        description="Read every account in the background and export what the guard would decide, for Prometheus.",
    )
    out = parser.add_argument_group("where the metrics go (one or both)")
    out.add_argument("--listen", type=listen_address, metavar="HOST:PORT", help="serve /metrics, e.g. 127.0.0.1:9464")
    out.add_argument("--textfile", metavar="PATH", help="write node_exporter's textfile PATH (*.prom) after each read")
    out.add_argument("--once", action="store_true", help="with --textfile: read once, write the file and exit")
    out.add_argument(
        "--interval",
        type=interval_seconds,
        default=DEFAULT_INTERVAL_S,
        metavar="SECONDS",
        help=f"seconds between reads, at least {MIN_INTERVAL_S:g} (default {DEFAULT_INTERVAL_S:g})",
    )
    out.add_argument(
        "--request-budget",
        type=request_budget,
        default=DEFAULT_REQUEST_BUDGET,
        metavar="N",
        help=f"requests per 5 minutes the exporter may send (default {DEFAULT_REQUEST_BUDGET}: half of "
        f"Cloudflare's {CLOUDFLARE_LIMIT:,} per token, the rest left for deploys)",
    )
    add_rule_flags(parser, "the guard's rules, for cf_billing_deploy_allowed")


def metrics_command(namespace: argparse.Namespace, read: ReadOptions) -> MetricsCommand:
    """The typed command; raises :class:`ConfigurationError` for a combination of options that cannot work."""
    if read.as_json:
        raise ConfigurationError("metrics has no --json: it serves the Prometheus formats (--listen, --textfile).")
    if namespace.listen is None and namespace.textfile is None:
        raise ConfigurationError("metrics needs --listen HOST:PORT, --textfile PATH, or both.")
    if namespace.once and (namespace.textfile is None or namespace.listen is not None):
        raise ConfigurationError("--once writes the --textfile once and exits: give --textfile and no --listen.")
    return MetricsCommand(
        read,
        parse_rules(namespace),
        namespace.interval,
        namespace.request_budget,
        namespace.listen,
        namespace.textfile,
        namespace.once,
    )


def run_metrics(command: MetricsCommand, stop: threading.Event | None = None) -> ExitCode:
    """Export until SIGINT/SIGTERM (or ``stop``), exit 0; with ``--once``: 0, or 3 when an account was unreadable."""
    if command.textfile is not None:
        metrics.check_textfile(command.textfile)
    from .._client import BillingClient  # noqa: PLC0415  # the parser never needs the client

    with BillingClient(timeout=Timeout(total_s=command.read.timeout_s)) as client:
        exporter = metrics.Exporter(
            client,
            command.read.account_ids,
            command.rules,
            interval_s=command.interval_s,
            concurrency=command.read.concurrency,
            request_budget=command.request_budget,
            on_cycle=None if command.once else lambda cycle: _after_cycle(command, cycle),
        )
        if command.once:
            cycle = exporter.refresh()
            _report(cycle)
            _write(command, cycle)
            return ExitCode.UNREADABLE if cycle.errors else ExitCode.OK
        _serve(command, exporter, threading.Event() if stop is None else stop)
    return ExitCode.OK


def _serve(command: MetricsCommand, exporter: Exporter, stop: threading.Event) -> None:
    with ExitStack() as stack:
        stack.enter_context(stop_on_signals(stop))
        if command.listen is not None:
            registry = metrics.registry_for(exporter.snapshot, command.rules.floor_usd)
            host, port = stack.enter_context(metrics.serving(registry, *command.listen))
            print(f"http://{f'[{host}]' if ':' in host else host}:{port}/metrics", flush=True)
        stack.enter_context(exporter)
        count = len(exporter.account_ids)
        where = " and ".join(place for place in ("/metrics" if command.listen else "", command.textfile) if place)
        print(
            f"cf-billing: reading {count} account{'s' * (count != 1)} every {command.interval_s:g} s into {where}; "
            "Ctrl-C to stop.",
            file=sys.stderr,
        )
        stop.wait()


def _after_cycle(command: MetricsCommand, cycle: Cycle) -> None:
    """In the background loop: report failed reads, rewrite the textfile; a write that fails is retried next cycle."""
    _report(cycle)
    try:
        _write(command, cycle)
    except ConfigurationError as error:
        print(f"cf-billing: error: {error}", file=sys.stderr)


def _write(command: MetricsCommand, cycle: Cycle) -> None:
    if command.textfile is not None:
        metrics.write_textfile(metrics.registry_for(lambda: cycle.states, command.rules.floor_usd), command.textfile)


def _report(cycle: Cycle) -> None:
    if cycle.errors:
        total = len(cycle.states)
        print(
            f"cf-billing: {len(cycle.errors)} of {total} accounts could not be read (cf_billing_read_success 0, "
            f"last good values kept). The first: {cycle.errors[0]}",
            file=sys.stderr,
        )
