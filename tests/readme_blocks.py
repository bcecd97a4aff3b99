"""README.md's fenced code blocks as a reader meets them: where each is, its shell commands, the output it shows.

Used by ``tests/test_readme.py``; knows Markdown only as far as this README uses it (fences indented
inside list items, ``##`` sections, no nested fences).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent> *)```(?P<info>.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ELISION = re.compile(r"…|\.\.\.")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language (the info string's first word, "" for none), text, line and section."""

    lang: str
    text: str
    line: int
    section: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang or 'plain'} block {self.first_line!r})"


def read_blocks(markdown: str) -> list[Block]:
    """Every fenced block in order; a block inside a list item loses the indentation of its fence."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line[3:].strip()
        opened = FENCE.match(line)
        if opened is None:
            index += 1
            continue
        indent = opened["indent"]
        end = next((j for j in range(index + 1, len(lines)) if lines[j].strip() == "```"), None)
        if end is None:
            raise ValueError(f"README.md:{index + 1}: a code block is never closed")
        body = [text.removeprefix(indent) for text in lines[index + 1 : end]]
        info = opened["info"].split()
        blocks.append(Block(info[0] if info else "", "\n".join(body) + "\n", index + 1, section))
        index = end + 1
    return blocks


def split_last_command(script: str) -> tuple[str, str, str]:
    """A shell block as (the lines before its last command, that command, the comment that follows it).

    The comment is the command's own trailing ``# ...`` and any comment lines after it, without the ``#``.
    """
    lines = script.rstrip("\n").splitlines()
    last = max(i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#"))
    if last and lines[last - 1].endswith("\\"):
        raise ValueError(f"the last command of this block spans lines; not supported here:\n{script}")
    command, _, trailing = lines[last].partition(" #")
    after = [line.lstrip().removeprefix("#") for line in lines[last + 1 :]]
    comment = " ".join(part.strip() for part in (trailing, *after) if part.strip())
    return "\n".join(lines[:last]) + "\n", command.strip(), comment


def shows(output: str, shown: str) -> bool:
    """Whether ``output`` holds what the README shows for it: '…' or '...' stand for any text, whitespace for any."""
    pieces = [" ".join(piece.split()) for piece in ELISION.split(shown)]
    pattern = ".*?".join(re.escape(piece) for piece in pieces if piece)
    return re.search(pattern, " ".join(ANSI.sub("", output).split())) is not None


def copy_checkout(source: Path, target: Path) -> None:
    """Copy what a fresh clone of ``source`` would hold once committed: tracked and new unignored files, links kept."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607  # git from PATH
        cwd=source,
        capture_output=True,
        check=True,
        timeout=60,
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        path = source / name
        if path.is_symlink() or path.exists():  # a file deleted in the work tree is gone from the next commit too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name, follow_symlinks=False)
