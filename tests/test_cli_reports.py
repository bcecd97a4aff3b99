"""``cf-billing check --format github`` and ``--junit PATH``: the verdicts check reached, where CI systems look.

Each format runs the CLI as a process against the fake API on 127.0.0.1 and is read back as its CI
system reads it: workflow commands by the rules of GitHub's runner (``ActionCommand.cs``), the step
summary as Markdown table rows, the JUnit file with junitparser. Messages are compared with what a
``CreditBalanceGuard`` with the same inputs says.
"""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from junitparser import Error, Failure, JUnitXml

from pulumi_cf_billing import CreditBalanceClient
from pulumi_cf_billing._assess import read_for
from pulumi_cf_billing._guard_judging import judge_guard, parse_guard
from pulumi_cf_billing._text import clean
from pulumi_cf_billing.cli import ExitCode
from pulumi_cf_billing.cli._args import CheckCommand, build_parser, to_command
from pulumi_cf_billing.cli._reports import SUBJECT, escape_data, escape_property, markdown_cell
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, OTHER_ACCOUNT, REPO, SENTINEL_TOKEN
from .test_cli import THIRD_ACCOUNT, api, ids, run_process

__all__ = ["api"]  # the fixture, shared with test_cli

FOURTH_ACCOUNT = "0000000000000000000000000000def0"
FLEET = (ACCOUNT, OTHER_ACCOUNT, THIRD_ACCOUNT, FOURTH_ACCOUNT)
HOSTILE = "50% off:\r\nnow, then"
HOSTILE_TOPUP = "card | declined\r\n[see](https://x.test) <b>$5</b> (now)"
CHECK = ("check", "--floor-usd", "10", "--require-auto-topup", *ids(*FLEET))
WORKFLOW = REPO / "examples" / "github-actions" / "credits.yml"

# GitHub's runner undoes escapes in this order, %25 last (actions/runner, src/Runner.Common/ActionCommand.cs).
RUNNER_DATA = (("\r", "%0D"), ("\n", "%0A"), ("%", "%25"))
RUNNER_PROPERTY = (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25"))


def runner_unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for token, replacement in mappings:
        text = text.replace(replacement, token)
    return text


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """``(command, properties, message)`` as the runner's ``TryParseV2`` reads a ``::name k=v,k=v::data`` line."""
    assert line.startswith("::"), line
    end = line.index("::", 2)
    name, _, properties = line[2:end].partition(" ")
    pairs = [pair.split("=", 1) for pair in properties.strip().split(",")]
    parsed = {pair[0]: runner_unescape(pair[1], RUNNER_PROPERTY) for pair in pairs if len(pair) == 2 and all(pair)}
    return name, parsed, runner_unescape(line[end + 2 :], RUNNER_DATA)


def table_cells(row: str) -> list[str]:
    """The cells of a Markdown table row, split at pipes no backslash escapes (as GitHub's table parser does)."""
    cells, cell, chars = [], "", iter(row.strip().removeprefix("|").removesuffix("|"))
    for char in chars:
        if char == "\\":
            cell += char + next(chars, "")
        elif char == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
    return [*cells, cell.strip()]


def without_rays(text: str) -> str:
    """``text`` with cf-ray ids blanked: each response of the fake API has its own."""
    return re.sub(r"cf-ray [0-9a-f]+-[A-Z]+", "cf-ray …", text)


def guard_says(api: FakeCloudflareAPI, account_id: str) -> str:
    """What a ``CreditBalanceGuard`` with check's inputs (floor $10, auto top-up required) says of the account."""
    guard = parse_guard({"account_id": account_id, "floor_usd": 10, "require_auto_topup": True}).guard
    assert guard is not None
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url, environ={}) as client:
        now = datetime.now(UTC)
        return judge_guard(guard, lambda: read_for(client, account_id, guard.rules, now), now, SUBJECT).message


@pytest.fixture
def fleet(api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    """Four accounts against a $10 floor with auto top-up required: ok, BELOW, ERROR (hostile text), BREACH."""
    api.add_account(ACCOUNT)  # $50.00, tops up $20 under $10: ok
    api.add_account(OTHER_ACCOUNT, balance_cents=999)
    api.change_account(OTHER_ACCOUNT, {"topup_error": HOSTILE_TOPUP})  # below, and a top-up failed just now
    api.add_account(THIRD_ACCOUNT)
    api.inject(THIRD_ACCOUNT, Fault.error(403, 10000, HOSTILE))  # unreadable, every time
    api.add_account(FOURTH_ACCOUNT, topup_amount_cents=None)  # $50.00, but auto top-up is off: a breach
    return api


# -- GitHub Actions ------------------------------------------------------------------------------


def test_github_annotations_say_what_the_guard_says_escaped_as_the_runner_reads_them(
    fleet: FakeCloudflareAPI, tmp_path: Path
) -> None:
    summary = tmp_path / "step_summary.md"
    text = run_process(fleet, *CHECK, GITHUB_STEP_SUMMARY=str(summary))  # the text format leaves it alone
    assert not summary.exists()
    done = run_process(fleet, *CHECK, "--format", "github", GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == text.returncode == ExitCode.UNREADABLE  # exit codes unchanged
    assert done.stderr == text.stderr
    lines = done.stdout.splitlines()
    assert without_rays("\n".join(lines[:4])) == without_rays(text.stdout.strip())  # check's lines, as ever
    failing = {OTHER_ACCOUNT: "BELOW", THIRD_ACCOUNT: "ERROR", FOURTH_ACCOUNT: "BREACH"}
    assert len(lines) == 4 + len(failing)
    for raw, (account_id, word) in zip(lines[4:], failing.items(), strict=True):
        command, properties, message = parse_workflow_command(raw)
        assert (command, properties) == ("error", {"title": f"{SUBJECT}: {word} {account_id}"})
        assert raw.startswith(f"::error title=cf-billing check%3A {word} {account_id}::")  # ':' escaped
        assert without_rays(message) == without_rays(guard_says(fleet, account_id))
    unreadable = lines[5]
    assert escape_data(clean(HOSTILE)) == "50%25 off:??now, then"  # cleaned, then escaped
    assert "50%25 off:??now, then" in unreadable
    assert "\r" not in done.stdout
    assert all(re.fullmatch(r"%(25|0D|0A|3A|2C)", match) for match in re.findall(r"%..", "".join(lines[4:])))
    assert "card | declined??[see](https://x.test) <b>$5</b> (now)" in parse_workflow_command(lines[4])[2]


@pytest.mark.parametrize("ending", ["", "\n", "\n\n"])
def test_the_step_summary_is_appended_a_markdown_table_with_server_text_escaped(
    fleet: FakeCloudflareAPI, tmp_path: Path, ending: str
) -> None:
    summary = tmp_path / "step_summary.md"
    earlier = "## An earlier step\n\nIts own summary, kept as it was." + ending
    summary.write_text(earlier)
    done = run_process(fleet, *CHECK, "--format", "github", GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == ExitCode.UNREADABLE
    written = summary.read_text()
    assert written.startswith(earlier.rstrip("\n") + "\n\n### cf-billing check\n\n")  # a blank line between
    assert SENTINEL_TOKEN not in written
    assert "\r" not in written
    header, rule, *rows = [line for line in written.splitlines() if line.startswith("|")]
    assert table_cells(header) == ["Account", "Balance", "Floor", "Runway", "Auto top-up", "Verdict"]
    assert table_cells(rule) == ["---", "--:", "--:", "--:", "---", "---"]
    cells = {table_cells(row)[0]: table_cells(row) for row in rows}
    assert list(cells) == list(FLEET)
    assert cells[ACCOUNT][1:] == ["\\$50.00", "\\$10.00", "—", "\\$20.00 when under \\$10.00", "ok"]
    below = cells[OTHER_ACCOUNT]
    assert below[1:4] == ["\\$9.99", "\\$10.00", "—"]
    assert below[4].endswith(
        "last top-up failed: card \\| declined??\\[see\\](https://x.test) &lt;b&gt;\\$5&lt;/b&gt; (now)"
    )  # the pipe stays in its cell, the link and the HTML are text
    assert below[5].startswith("BELOW: balance \\$9.99 is below the floor \\$10.00; auto top-up would not work")
    error = cells[THIRD_ACCOUNT]
    assert error[1:5] == ["—", "\\$10.00", "—", "—"]
    assert error[5].startswith("ERROR: PermissionDeniedError: ")
    assert "(HTTP 403, code 10000: 50% off:??now, then)" in error[5]
    assert cells[FOURTH_ACCOUNT][5].startswith("BREACH: auto top-up would not work")


def test_the_summary_shows_the_measured_runway_and_a_runway_breach_is_annotated(
    api: FakeCloudflareAPI, tmp_path: Path
) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=10)  # $40 above a $10 floor at $10 a day: 4 days
    api.add_account(OTHER_ACCOUNT)  # nothing spent
    summary = tmp_path / "step_summary.md"
    flags = ("--floor-usd", "10", "--min-runway-days", "7", "--format", "github")
    done = run_process(api, "check", *flags, *ids(ACCOUNT, OTHER_ACCOUNT), GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == ExitCode.BELOW
    [annotation] = [line for line in done.stdout.splitlines() if line.startswith("::")]
    _, properties, message = parse_workflow_command(annotation)
    assert properties == {"title": f"{SUBJECT}: BREACH {ACCOUNT}"}
    assert "at $10.00 a day (the mean of the last 7 days) the floor is 4.0 days away, under the 7 required" in message
    rows = [table_cells(line) for line in summary.read_text().splitlines()[4:]]
    assert [row[3] for row in rows] == ["4.0 days", "no spend"]


def test_all_accounts_ok_no_annotation_a_summary_and_a_junit_file_without_failures(
    api: FakeCloudflareAPI, tmp_path: Path
) -> None:
    api.add_account(ACCOUNT)
    summary, junit = tmp_path / "step_summary.md", tmp_path / "credits.xml"
    argv = ("check", "--floor-usd", "10", *ids(ACCOUNT), "--format", "github", "--junit", str(junit))
    done = run_process(api, *argv, GITHUB_STEP_SUMMARY=str(summary))
    assert (done.returncode, done.stdout) == (ExitCode.OK, f"ok     {ACCOUNT}  $50.00 ≥ floor $10.00\n")
    assert summary.read_text().startswith("### cf-billing check\n\n| Account |")  # an empty file gets no blank line
    [suite] = JUnitXml.fromfile(str(junit))
    assert (suite.tests, suite.failures, suite.errors) == (1, 0, 0)


@pytest.mark.parametrize(
    ("text", "data", "property_"),
    [
        (HOSTILE, "50%25 off:%0D%0Anow, then", "50%25 off%3A%0D%0Anow%2C then"),
        ("%0A is not a line break", "%250A is not a line break", "%250A is not a line break"),
        ("::error::", "::error::", "%3A%3Aerror%3A%3A"),
    ],
)
def test_escaping_follows_the_workflow_command_rules(text: str, data: str, property_: str) -> None:
    assert (escape_data(text), escape_property(text)) == (data, property_)


@given(st.text(), st.text().filter(lambda text: text == text.strip()))  # the runner trims the properties
def test_the_runner_reads_back_every_escaped_text_exactly(message: str, title: str) -> None:
    line = f"::error title={escape_property(title)}::{escape_data(message)}"
    assert not {"\r", "\n"} & set(line)
    assert parse_workflow_command(line) == ("error", {"title": title} if title else {}, message)


@given(st.text())
def test_a_markdown_cell_never_splits_its_row(text: str) -> None:
    row = f"| a | {markdown_cell(text)} | b |"
    assert not {"\r", "\n"} & set(row)
    cells = table_cells(row)
    assert (len(cells), cells[0], cells[-1]) == (3, "a", "b")


# -- JUnit ---------------------------------------------------------------------------------------


def test_junit_has_a_case_per_account_a_failure_per_breach_an_error_per_unreadable_account(
    fleet: FakeCloudflareAPI, tmp_path: Path
) -> None:
    junit = tmp_path / "credits.xml"
    done = run_process(fleet, *CHECK, "--json", "--junit", str(junit))  # --junit goes with --json too
    assert done.returncode == ExitCode.UNREADABLE
    assert done.stdout.startswith("[")  # the JSON array alone
    assert SENTINEL_TOKEN.encode() not in junit.read_bytes()
    [suite] = JUnitXml.fromfile(str(junit))
    assert (suite.name, suite.tests, suite.failures, suite.errors, suite.skipped) == (SUBJECT, 4, 2, 1, 0)
    cases = {case.name: case for case in suite}
    assert list(cases) == list(FLEET)
    assert all(case.classname == SUBJECT for case in cases.values())
    assert cases[ACCOUNT].result == []
    for account_id, kind, type_ in [
        (OTHER_ACCOUNT, Failure, "BELOW"),
        (FOURTH_ACCOUNT, Failure, "BREACH"),
        (THIRD_ACCOUNT, Error, "PermissionDeniedError"),
    ]:
        [result] = cases[account_id].result
        assert (type(result), result.type) == (kind, type_)
        assert without_rays(result.message) == without_rays(guard_says(fleet, account_id))
        assert result.text == result.message  # Jenkins shows the attribute, GitLab the text
    error: Any = cases[THIRD_ACCOUNT].result[0]
    assert "(HTTP 403, code 10000: 50% off:??now, then)" in error.message


# -- refusals before any read --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (
            ["--format", "github", "--json"],
            {},
            "--format github adds workflow commands to check's output, which --json keeps one JSON array: "
            "use one of them (--junit goes with either).",
        ),
        (
            ["--junit", "{missing}/credits.xml"],
            {},
            "Cannot write the JUnit file {missing}/credits.xml: No such file or directory. "
            "Nothing was read: fix the path and run again.",
        ),
        (
            ["--format", "github"],
            {"GITHUB_STEP_SUMMARY": "{missing}/summary.md"},
            "Cannot write $GITHUB_STEP_SUMMARY {missing}/summary.md: No such file or directory. "
            "Nothing was read: fix the path and run again.",
        ),
    ],
)
def test_a_report_that_cannot_be_written_exits_2_before_any_read(
    api: FakeCloudflareAPI, tmp_path: Path, argv: list[str], env: dict[str, str], message: str
) -> None:
    api.add_account(ACCOUNT)
    missing = str(tmp_path / "no-such-directory")
    paths = {name: value.format(missing=missing) for name, value in env.items()}
    done = run_process(
        api, "check", "--floor-usd", "10", *ids(ACCOUNT), *(a.format(missing=missing) for a in argv), **paths
    )
    assert (done.returncode, done.stdout, api.request_count()) == (ExitCode.USAGE, "", 0)
    assert done.stderr == f"cf-billing: error: {message.format(missing=missing)}\n"


# -- the example workflow ------------------------------------------------------------------------


def test_the_example_workflow_checks_on_a_schedule_and_before_pulumi_up_with_the_token_from_secrets() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day
    assert set(triggers) == {"schedule", "push", "workflow_dispatch"}
    jobs = workflow["jobs"]
    deploy = jobs["deploy"]["steps"]
    check_at = next(i for i, step in enumerate(deploy) if "cf-billing check" in step.get("run", ""))
    up_at = next(i for i, step in enumerate(deploy) if step.get("uses", "").startswith("pulumi/actions@"))
    assert check_at < up_at
    assert deploy[up_at]["with"]["command"] == "up"
    checks = [step for job in jobs.values() for step in job["steps"] if "cf-billing check" in step.get("run", "")]
    assert len(checks) == 2
    for step in checks:
        assert step["env"]["CLOUDFLARE_API_TOKEN"] == "${{ secrets.CLOUDFLARE_API_TOKEN }}"
        argv = shlex.split(step["run"])[1:]  # after venv/bin/cf-billing
        command = to_command(build_parser().parse_args(argv), {"CLOUDFLARE_ACCOUNT_ID": ACCOUNT})
        assert isinstance(command, CheckCommand)  # every flag is one check takes, every value one it accepts
        assert command.report.format == "github"
    tokens = re.findall(r"\w*TOKEN: (.*)", WORKFLOW.read_text())
    assert len(tokens) == 4
    assert all(re.fullmatch(r"\$\{\{ secrets\.\w+ \}\}", value) for value in tokens)
