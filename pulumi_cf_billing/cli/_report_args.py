"""``check``'s report flags: where a CI system reads the verdict besides the lines and the exit code.

``--format github`` adds GitHub Actions' workflow commands (an ``::error`` per failing account) and,
when the runner sets ``GITHUB_STEP_SUMMARY``, a Markdown table appended to that file. ``--junit PATH``
writes a JUnit XML file (GitLab, Jenkins and most others read it). What they say is written by
:mod:`._reports`; this module only parses the flags and the environment.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass

from .._exceptions import ConfigurationError

__all__ = ["FORMATS", "STEP_SUMMARY_ENV", "ReportOptions", "add_report_flags", "report_options"]

FORMATS = ("text", "github")
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class ReportOptions:
    """``format`` (``text`` or ``github``), the JUnit file to write and the step summary to append to (or ``None``)."""

    format: str = "text"
    junit_path: str | None = None
    step_summary_path: str | None = None


def add_report_flags(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``--junit`` under their own heading."""
    group = parser.add_argument_group("reports for CI")
    group.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="github: also an ::error annotation per account that fails, and a Markdown table appended to "
        f"${STEP_SUMMARY_ENV} when it is set (default text)",
    )
    group.add_argument("--junit", metavar="PATH", help="also write a JUnit XML file: one test case per account")


def report_options(namespace: argparse.Namespace, environ: Mapping[str, str]) -> ReportOptions:
    """The reports asked for; :class:`ConfigurationError` when ``--format github`` meets ``--json``."""
    github = namespace.format == "github"
    if github and namespace.json:
        raise ConfigurationError(
            "--format github adds workflow commands to check's output, which --json keeps one JSON array: "
            "use one of them (--junit goes with either)."
        )
    summary = (environ.get(STEP_SUMMARY_ENV) or None) if github else None
    return ReportOptions(namespace.format, namespace.junit, summary)
