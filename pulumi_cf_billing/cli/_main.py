"""``main``: parse, run one command, turn every expected failure into a message and an exit code.

Expected failures (bad input, missing credentials, an unreadable API) never print a traceback and
never print a credential; only a bug does.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._exceptions import CloudflareBillingError, ConfigurationError
from ._args import BalanceCommand, CheckCommand, Command, PolicyPackCommand, UsageCommand, parse_command
from ._exit_codes import ExitCode
from ._metrics import MetricsCommand

if TYPE_CHECKING:
    from ._fetch import ReadHooks

__all__ = ["main"]


def main(argv: Sequence[str] | None = None, *, hooks: ReadHooks | None = None) -> int:
    """Run ``cf-billing`` with ``argv`` (default ``sys.argv[1:]``) and return its exit code.

    argparse itself raises ``SystemExit(2)`` on a usage error and ``SystemExit(0)`` for ``--help``
    and ``--version``. ``hooks`` inject a clock, a sleep and a random generator (tests only).
    """
    _tolerate_unencodable_output()
    try:
        command = parse_command(argv, os.environ)
    except (CloudflareBillingError, ValueError) as error:
        return _fail(error, ExitCode.USAGE)
    try:
        return _run(command, hooks)
    except ConfigurationError as error:
        return _fail(error, ExitCode.USAGE)
    except CloudflareBillingError as error:
        return _fail(error, ExitCode.UNREADABLE)
    except KeyboardInterrupt:
        print("\ncf-billing: interrupted.", file=sys.stderr)
        return ExitCode.INTERRUPTED


def _run(command: Command, hooks: ReadHooks | None) -> ExitCode:
    # Each command's code (the client, asyncio, prometheus_client, the fake) loads only when it runs,
    # so `--version`, `--help` and a usage error cost the parser alone.
    if isinstance(command, BalanceCommand):
        from ._commands import run_balance  # noqa: PLC0415  # see above

        return run_balance(command, hooks)
    if isinstance(command, CheckCommand):
        from ._reports import run_reported_check  # noqa: PLC0415  # see above

        return run_reported_check(command, hooks)
    if isinstance(command, UsageCommand):
        from ._usage import run_usage  # noqa: PLC0415  # see above

        return run_usage(command, hooks)
    if isinstance(command, MetricsCommand):
        from ._metrics import run_metrics  # noqa: PLC0415  # see above

        return run_metrics(command)
    if isinstance(command, PolicyPackCommand):
        from ._policy_pack import run_policy_pack  # noqa: PLC0415  # see above

        return run_policy_pack(command)
    from ._fake_api import run_fake_api  # noqa: PLC0415  # see above

    return run_fake_api(command)


def _fail(error: Exception, code: ExitCode) -> ExitCode:
    print(f"cf-billing: error: {error}", file=sys.stderr)
    return code


def _tolerate_unencodable_output() -> None:
    # Output uses "•", "≥" and "—"; a console that cannot encode them gets "?" rather than a traceback.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
