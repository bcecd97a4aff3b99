"""``check``'s verdicts where CI systems look: GitHub Actions annotations and step summary, JUnit XML.

Every report states the verdict ``check`` reached with the guard's code and in its words (the
``Judged`` accounts of :mod:`._check`): nothing is judged again here. Server text was cleaned of
control characters when it was read (:func:`.._text.clean`); here it is also escaped for where it
goes: GitHub's workflow-command rules, a Markdown table cell, XML.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from decimal import Decimal
from typing import IO
from xml.etree import ElementTree

from .._assess import Rules
from .._exceptions import ConfigurationError
from .._money import format_usd
from .._text import clean
from .._verdict import breach_message, describe_topup
from ._args import CheckCommand
from ._check import Judged, run_check, verdict_word
from ._exit_codes import ExitCode
from ._fetch import ReadHooks
from ._render import failure_summary
from ._report_args import STEP_SUMMARY_ENV

__all__ = [
    "SUBJECT",
    "escape_data",
    "escape_property",
    "github_annotations",
    "junit_xml",
    "markdown_cell",
    "run_reported_check",
    "step_summary",
    "verdict_message",
]

SUBJECT = "cf-billing check"
"""How the reports name the check at the head of a message, as the guard names itself at the head of its lines."""
_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})
# Markdown that would break a table row (| and line breaks) or turn text into markup: links, emphasis, HTML,
# and GitHub's math, which a pair of dollar amounts like "($20.00) ... $5" can open and close.
_MARKDOWN_ESCAPES = str.maketrans(
    {char: "\\" + char for char in "\\|`*_~[]$"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "<br>", "\n": "<br>"}
)
_SUMMARY_HEADER = ("Account", "Balance", "Floor", "Runway", "Auto top-up", "Verdict")


def run_reported_check(command: CheckCommand, hooks: ReadHooks | None = None) -> ExitCode:
    """:func:`._check.run_check`, then the reports ``command.report`` asks for; the exit code is check's.

    The report files are opened before any read, so one that cannot be written is a usage error
    (exit 2) with nothing sent. The JUnit file is replaced; the step summary is appended to, as
    GitHub asks of every step.
    """
    options, rules = command.report, command.rules
    with ExitStack() as files:
        junit = _open(files, options.junit_path, "wb", "the JUnit file")
        summary = _open(files, options.step_summary_path, "a+b", f"${STEP_SUMMARY_ENV}")

        def report(accounts: Sequence[Judged]) -> None:
            if options.format == "github":
                for line in github_annotations(accounts, rules):
                    print(line)
            if summary is not None:
                summary.write(_blank_line_after(summary) + step_summary(accounts, rules).encode())
            if junit is not None:
                junit.write(junit_xml(accounts, rules))

        return run_check(command, hooks, report=report)


def _open(files: ExitStack, path: str | None, mode: str, what: str) -> IO[bytes] | None:
    if path is None:
        return None
    try:
        return files.enter_context(open(path, mode))  # closed by the ExitStack
    except OSError as error:
        raise ConfigurationError(
            f"Cannot write {what} {path}: {error.strerror or error}. Nothing was read: fix the path and run again."
        ) from None


def _blank_line_after(summary: IO[bytes]) -> bytes:
    """The line breaks that end what earlier steps wrote with a blank line (none for an empty file)."""
    size = summary.seek(0, os.SEEK_END)
    summary.seek(max(size - 2, 0))
    tail = summary.read()
    return b"\n" * (2 - len(tail) + len(tail.rstrip(b"\n"))) if size else b""


def verdict_message(account: Judged, rules: Rules) -> str:
    """The one line a failing account gets, in the guard's words: its breach message, or which read failed and why.

    ``ok`` accounts have none (``""``).
    """
    reads, reading = account.reads, account.reading
    if reading is None:
        name, error = reads.failures[0]
        what = "AI Gateway balance" if name == "balance" else name
        return f"{SUBJECT}: could not read the {what} of account {reads.account_id}: {clean(error.message)}"
    if not account.problems:
        return ""
    return breach_message(SUBJECT, reading.balance, rules.floor_usd, list(account.problems))


# -- GitHub Actions ----------------------------------------------------------------------------


def escape_data(text: str) -> str:
    """``text`` as a workflow command's message: ``%``, CR and LF percent-encoded (actions/toolkit ``escapeData``)."""
    return text.translate(_DATA_ESCAPES)


def escape_property(text: str) -> str:
    """``text`` as a workflow command's property value: also ``:`` and ``,`` (actions/toolkit ``escapeProperty``)."""
    return text.translate(_PROPERTY_ESCAPES)


def github_annotations(accounts: Sequence[Judged], rules: Rules) -> list[str]:
    """An ``::error`` workflow command per account that fails (below the floor, a rule broken, unreadable).

    The title names the verdict and the account, for the run's list of annotations; the message is
    :func:`verdict_message`, which GitHub also shows in the step's log, so it names the account too.
    """
    lines = []
    for account in accounts:
        word = verdict_word(account, rules.floor_usd)
        if word != "ok":
            title = escape_property(f"{SUBJECT}: {word} {account.reads.account_id}")
            lines.append(f"::error title={title}::{escape_data(verdict_message(account, rules))}")
    return lines


def markdown_cell(text: str) -> str:
    """``text`` safe in a Markdown table cell: ``|`` and line breaks cannot end the cell, markup shows as text."""
    return text.translate(_MARKDOWN_ESCAPES)


def step_summary(accounts: Sequence[Judged], rules: Rules) -> str:
    """A Markdown heading and table for ``$GITHUB_STEP_SUMMARY``, one row per account in order."""
    rows = [_summary_row(account, rules) for account in accounts]
    table = [_SUMMARY_HEADER, ("---", "--:", "--:", "--:", "---", "---"), *rows]
    lines = [f"### {SUBJECT}", "", *("| " + " | ".join(row) + " |" for row in table)]
    return "\n".join(lines) + "\n"


def _summary_row(account: Judged, rules: Rules) -> tuple[str, ...]:
    reading, runway = account.reading, account.runway
    word = verdict_word(account, rules.floor_usd)
    if reading is None:
        verdict = f"{word}: {failure_summary(account.reads)}"
    else:
        verdict = word if word == "ok" else f"{word}: {'; '.join(account.problems)}"
    cells = (
        account.reads.account_id,
        "—" if reading is None else format_usd(reading.balance.balance_usd),
        format_usd(rules.floor_usd),
        "—" if runway is None else _runway_days(runway.days_until_floor),
        "—" if reading is None else describe_topup(reading.balance.topup_config),
        verdict,
    )
    return tuple(markdown_cell(cell) for cell in cells)


def _runway_days(days: Decimal | None) -> str:
    """Days until the floor, as the guard's runway problem words them; ``no spend`` when nothing was spent."""
    return "no spend" if days is None else f"{days:.1f} days"


# -- JUnit XML ---------------------------------------------------------------------------------


def junit_xml(accounts: Sequence[Judged], rules: Rules) -> bytes:
    """A JUnit XML document (UTF-8): one test suite, one test case per account named by its id.

    A breach is a ``failure`` whose ``type`` is ``BELOW`` or ``BREACH``; an unreadable account an
    ``error`` whose ``type`` is the error's class. Both carry :func:`verdict_message`, as the
    ``message`` attribute (Jenkins shows it) and as text (GitLab shows that).
    """
    words = [verdict_word(account, rules.floor_usd) for account in accounts]
    failures = sum(word in ("BELOW", "BREACH") for word in words)
    counts = {"tests": str(len(words)), "failures": str(failures), "errors": str(words.count("ERROR"))}
    root = ElementTree.Element("testsuites", {"name": SUBJECT, **counts})
    suite = ElementTree.SubElement(root, "testsuite", {"name": SUBJECT, **counts, "skipped": "0"})
    for account, word in zip(accounts, words, strict=True):
        case = ElementTree.SubElement(suite, "testcase", {"classname": SUBJECT, "name": account.reads.account_id})
        if word == "ok":
            continue
        message = verdict_message(account, rules)
        kind = type(account.reads.failures[0][1]).__name__ if word == "ERROR" else word
        outcome = "error" if word == "ERROR" else "failure"
        ElementTree.SubElement(case, outcome, {"type": kind, "message": message}).text = message
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
