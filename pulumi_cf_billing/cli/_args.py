"""The command line's grammar: argv and the environment in, one typed, validated command out.

Everything that can be wrong with the input is found here, before any request: argparse exits 2
on malformed usage; numbers are parsed here by the one parser of their kind (``check``'s rules by
the guard definition, as every guard surface parses them), refusals raising ``ValueError`` naming
the flag; account ids raise :class:`ConfigurationError`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .._assess import Rules
from .._config import DEFAULT_TIMEOUT_S
from .._exceptions import ConfigurationError
from .._inputs import parse_amount_usd, parse_whole_number
from .._version import __version__
from ._accounts import resolve_account_ids
from ._fake_api_args import FakeApiCommand, add_fake_api, fake_api_command
from ._metrics import MetricsCommand, add_metrics_parser, metrics_command
from ._report_args import ReportOptions, add_report_flags, report_options
from ._rules import add_rule_flags, parse_rules
from ._types import positive_seconds

__all__ = [
    "BalanceCommand",
    "CheckCommand",
    "Command",
    "FakeApiCommand",
    "PolicyPackCommand",
    "ReadOptions",
    "UsageCommand",
    "build_parser",
    "to_command",
]

DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 256
"""The most accounts read at once: far past where Cloudflare's 1,200 requests / 5 minutes per token binds."""
MAX_USAGE_DAYS = 366
"""The most complete days ``usage --days`` shows per day: a year, leap day included."""
MAX_HOURLY_DAYS = 31
"""The most complete days ``usage --window hour`` shows: 744 buckets, well inside the client's 1 MiB answer."""
EPILOG = """\
exit codes:
  0  every account was read (check: and each meets every rule: the floor, and any rule asked for)
  1  check: every account was read and at least one is below the floor or breaks a rule
  2  usage or configuration error (bad account id, no credentials, a number out of bounds);
     nothing was sent
  3  at least one account could not be read, balance or any other read a rule needs (after
     retries, or at once for a 4xx)
     3 wins over 1: when some accounts break a rule and others are unreadable, nothing can be
     vouched for, so the answer is "unknown", not "below".

Credentials come from the environment only: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_KEY with
CLOUDFLARE_EMAIL. CLOUDFLARE_BASE_URL overrides the API root (e.g. the URL `cf-billing fake-api`
prints). Money: balances are shown in US dollars; --json also gives Cloudflare's US cents, every
amount written digit for digit (parse it as a decimal, not a float, to keep every digit). Amounts
and days are plain ASCII numbers: 50 or 49.99, never $50 or 1,000."""


@dataclass(frozen=True)
class ReadOptions:
    """What to read and how: validated account ids in the order given, output format, limits."""

    account_ids: tuple[str, ...]
    as_json: bool
    timeout_s: float
    concurrency: int


@dataclass(frozen=True)
class BalanceCommand:
    """``cf-billing balance``."""

    read: ReadOptions


@dataclass(frozen=True)
class CheckCommand:
    """``cf-billing check``: every account judged by the guard's ``rules`` (floor in exact US dollars, ...).

    ``report`` says which reports for CI to write besides the lines.
    """

    read: ReadOptions
    rules: Rules
    report: ReportOptions


@dataclass(frozen=True)
class UsageCommand:
    """``cf-billing usage``: ``days`` of usage per ``window``; ``floor_usd`` (US dollars) adds the runway."""

    read: ReadOptions
    days: int
    window: str
    floor_usd: Decimal | None


@dataclass(frozen=True)
class PolicyPackCommand:
    """``cf-billing policy-pack path`` or ``policy-pack init DIRECTORY``."""

    action: str
    directory: str | None = None


Command = BalanceCommand | CheckCommand | UsageCommand | FakeApiCommand | PolicyPackCommand | MetricsCommand
AddParser = Callable[..., argparse.ArgumentParser]
"""The ``add_parser`` method of ``parser.add_subparsers()``: argparse has no public name for its class."""


def _read_options_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("accounts and limits")
    group.add_argument(
        "--account-id",
        action="append",
        default=[],
        metavar="ID",
        help="account to read (repeatable; default: $CLOUDFLARE_ACCOUNT_ID)",
    )
    group.add_argument(
        "--accounts-file",
        metavar="PATH",
        help="file of account ids, one per line; '#' comments and blank lines ignored; '-' for stdin",
    )
    group.add_argument("--json", action="store_true", help="print one JSON array, one object per account")
    group.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"deadline for all of an account's reads, retries included (default {DEFAULT_TIMEOUT_S:g})",
    )
    group.add_argument(
        "--concurrency",
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"accounts read at the same time, 1 to {MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY})",
    )
    return common


def _add_read_command(add_parser: AddParser, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    return add_parser(
        name,
        parents=[_read_options_parser()],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help=summary,
        description=description,
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``cf-billing`` parser with its subcommands."""
    parser = argparse.ArgumentParser(
        prog="cf-billing",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="See and guard Cloudflare AI Gateway credits.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    summary, description = "show balances, auto top-up and payment method", "Show each account's credit balance."
    _add_read_command(commands.add_parser, "balance", summary, description)
    summary = "exit 1 when an account is below a floor or breaks a rule"
    description = "Check each account against a floor and the rules asked for, as the CreditBalanceGuard does."
    check = _add_read_command(commands.add_parser, "check", summary, description)
    add_rule_flags(check, "the guard's rules (each one a CreditBalanceGuard input)")
    add_report_flags(check)
    summary, description = "chart usage cost per day or hour", "Chart each account's AI Gateway usage cost."
    usage = _add_read_command(commands.add_parser, "usage", summary, description)
    usage.add_argument(
        "--days",
        default=30,
        metavar="N",
        help=f"complete UTC days to show, 1 to {MAX_USAGE_DAYS} ({MAX_HOURLY_DAYS} with --window hour; default 30)",
    )
    usage.add_argument("--window", choices=("day", "hour"), default="day", help="bucket size (default day)")
    usage.add_argument("--floor-usd", metavar="AMOUNT", help="also show the days until this floor, in US dollars")
    add_metrics_parser(commands.add_parser, _read_options_parser(), EPILOG)
    add_fake_api(commands.add_parser)
    pack = commands.add_parser(
        "policy-pack",
        help="the CrossGuard policy pack: where it is, or a copy to publish",
        description="Print the shipped policy pack's directory (path), or write a pack into DIRECTORY (init).",
    )
    pack.add_argument("action", choices=("path", "init"))
    pack.add_argument("directory", nargs="?", help="with init: a new or empty directory for the pack")
    return parser


def to_command(namespace: argparse.Namespace, environ: Mapping[str, str]) -> Command:
    """The typed command for parsed arguments; resolves and validates account ids (no I/O but the accounts file)."""
    if namespace.command == "fake-api":
        return fake_api_command(namespace, environ)
    if namespace.command == "policy-pack":
        return PolicyPackCommand(namespace.action, namespace.directory)
    rules = parse_rules(namespace) if namespace.command == "check" else None
    report = report_options(namespace, environ) if namespace.command == "check" else None
    usage = _usage_command(namespace) if namespace.command == "usage" else None
    concurrency = parse_whole_number(namespace.concurrency, what="--concurrency", minimum=1, maximum=MAX_CONCURRENCY)
    read = ReadOptions(
        account_ids=resolve_account_ids(namespace.account_id, namespace.accounts_file, environ),
        as_json=namespace.json,
        timeout_s=namespace.timeout,
        concurrency=concurrency,
    )
    if rules is not None and report is not None:
        return CheckCommand(read, rules, report)
    if usage is not None:
        return UsageCommand(read, *usage)
    if namespace.command == "metrics":
        return metrics_command(namespace, read)
    return BalanceCommand(read)


def _usage_command(namespace: argparse.Namespace) -> tuple[int, str, Decimal | None]:
    """``usage``'s days, window and floor in US dollars; ``ValueError`` naming the flag."""
    days = parse_whole_number(namespace.days, what="--days", minimum=1, maximum=MAX_USAGE_DAYS)
    if namespace.window == "hour" and days > MAX_HOURLY_DAYS:
        raise ConfigurationError(
            f"--days {days} is too many for --window hour: at most {MAX_HOURLY_DAYS} days of hourly usage fit one "
            f"answer. Use --window day for up to {MAX_USAGE_DAYS} days."
        )
    floor = None if namespace.floor_usd is None else parse_amount_usd(namespace.floor_usd, what="--floor-usd")
    return days, namespace.window, floor


def parse_command(argv: Sequence[str] | None, environ: Mapping[str, str]) -> Command:
    """Parse ``argv`` (default: ``sys.argv[1:]``); argparse exits 2 on bad usage; bad values raise ``ValueError``."""
    return to_command(build_parser().parse_args(argv), environ)
