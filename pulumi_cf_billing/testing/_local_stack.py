"""Run a Pulumi project with the real ``pulumi`` CLI on a local file backend, for end-to-end tests and demos.

The project is copied into a private work directory (so stack files never land in the source tree),
its ``virtualenv`` option is pointed at the given Python environment, and every command runs with
its own ``PULUMI_HOME``, a ``file://`` backend and a passphrase secrets provider. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LocalStack", "PulumiResult"]

PASSPHRASE = "pulumi-cf-billing-local"  # noqa: S105  # protects throwaway local test stacks only


@dataclass(frozen=True)
class PulumiResult:
    """One finished ``pulumi`` command."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Everything the command printed."""
        return self.stdout + self.stderr


class LocalStack:
    """A stack of a copied Pulumi project. ``bin_dir`` holds ``pulumi`` and its Python plugins."""

    def __init__(
        self,
        project_dir: Path,
        work_dir: Path,
        *,
        bin_dir: Path,
        virtualenv: Path,
        stack: str = "dev",
        env: dict[str, str] | None = None,
        timeout_s: float = 300.0,
    ) -> None:
        self.project = work_dir / "project"
        self.state = work_dir / "state"
        self.stack = stack
        self.timeout_s = timeout_s
        _copy_project(project_dir, self.project)
        self.use_virtualenv(virtualenv)
        self.state.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            **(env or {}),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_HOME": str(work_dir / "home"),
            "PULUMI_BACKEND_URL": f"file://{self.state}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }

    def use_virtualenv(self, virtualenv: Path) -> None:
        """Run the program with the Python environment at ``virtualenv`` from now on."""
        pulumi_yaml = self.project / "Pulumi.yaml"
        lines = pulumi_yaml.read_text().splitlines()
        kept = [
            line if "virtualenv:" not in line else f"{line.split('virtualenv:')[0]}virtualenv: {virtualenv}"
            for line in lines
        ]
        pulumi_yaml.write_text("\n".join(kept) + "\n")

    def run(self, *args: str, check: bool = True) -> PulumiResult:
        """Run ``pulumi ARGS --non-interactive`` in the project; raise with its output when ``check`` and it fails."""
        command = ("pulumi", *args, "--non-interactive", "--cwd", str(self.project))
        done = subprocess.run(  # noqa: S603  # fixed executable, arguments from the caller
            command, env=self.env, capture_output=True, text=True, timeout=self.timeout_s, check=False
        )
        result = PulumiResult(tuple(args), done.returncode, done.stdout, done.stderr)
        if check and done.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} failed ({done.returncode}):\n{result.output}")
        return result

    def init(self, config: dict[str, str] | None = None, secrets: dict[str, str] | None = None) -> None:
        """Create the stack and set plain ``config`` and ``secrets`` (stored encrypted)."""
        self.run("stack", "init", self.stack)
        for key, value in (config or {}).items():
            self.run("config", "set", key, value, "--stack", self.stack)
        for key, value in (secrets or {}).items():
            self.run("config", "set", "--secret", key, value, "--stack", self.stack)

    def up(self, check: bool = True) -> PulumiResult:
        """``pulumi up --yes --skip-preview`` (the engine still runs every check)."""
        return self.run("up", "--yes", "--skip-preview", "--stack", self.stack, check=check)

    def outputs(self) -> dict[str, Any]:
        """The stack outputs, secrets shown."""
        shown = self.run("stack", "output", "--json", "--show-secrets", "--stack", self.stack).stdout
        return dict(json.loads(shown))

    def state_files_text(self) -> str:
        """Every file of the backend (state, history, backups) as one text, for leak checks."""
        return "\n".join(p.read_text(errors="replace") for p in self.state.rglob("*") if p.is_file())


def _copy_project(source: Path, target: Path) -> None:
    """Copy ``Pulumi.yaml`` and the program its ``main:`` names (else the whole folder), nothing else.

    Copying only the program keeps a source checkout of a library out of the program's import path,
    so the program runs the library installed in its virtualenv.
    """
    manifest = (source / "Pulumi.yaml").read_text()
    main = next((line.split(":", 1)[1].strip() for line in manifest.splitlines() if line.startswith("main:")), None)
    skip = shutil.ignore_patterns(".venv", "__pycache__", "Pulumi.*.yaml")
    if main is None:
        shutil.copytree(source, target, ignore=skip)
        return
    target.mkdir(parents=True)
    shutil.copy2(source / "Pulumi.yaml", target / "Pulumi.yaml")
    shutil.copytree(source / main, target / main, ignore=skip)
