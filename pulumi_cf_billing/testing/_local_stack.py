"""Run a Pulumi project with the real ``pulumi`` CLI on a local file backend, for end-to-end tests and demos.

Built on Pulumi's Automation API (:mod:`pulumi.automation`): a ``LocalWorkspace`` over a private
copy of the project (so stack files never land in the source tree), with its own ``PULUMI_HOME``,
a ``file://`` backend and a passphrase secrets provider. The project's ``virtualenv`` option is set
through the workspace's project settings. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LocalStack", "PulumiResult"]

PASSPHRASE = "pulumi-cf-billing-local"  # noqa: S105  # protects throwaway local test stacks only


@dataclass(frozen=True)
class PulumiResult:
    """One finished ``pulumi`` operation: what it was, its exit code and what it printed."""

    operation: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Everything the command printed."""
        return self.stdout + self.stderr


class LocalStack:
    """A stack of a copied Pulumi project. ``bin_dir`` holds ``pulumi`` and its Python plugins.

    Operations return a :class:`PulumiResult`; with ``check`` (the default) a failed one raises
    ``RuntimeError`` carrying its output instead.
    """

    def __init__(
        self,
        project_dir: Path,
        work_dir: Path,
        *,
        bin_dir: Path,
        virtualenv: Path,
        stack: str = "dev",
        env: Mapping[str, str] | None = None,
    ) -> None:
        from pulumi import automation  # noqa: PLC0415  # tests that never drive the engine need not load it

        self._automation = automation
        self.project = work_dir / "project"
        self.state = work_dir / "state"
        self.state.mkdir(parents=True, exist_ok=True)
        _copy_project(project_dir, self.project)
        self.workspace = automation.LocalWorkspace(
            work_dir=str(self.project),
            pulumi_home=str(work_dir / "home"),
            pulumi_command=automation.PulumiCommand(root=str(bin_dir.parent)),
            env_vars={
                **(env or {}),
                # The engine's plugins, then the virtualenv's interpreter (a policy pack's `python`).
                "PATH": os.pathsep.join([str(bin_dir), str(virtualenv / "bin"), os.environ.get("PATH", "")]),
                "PULUMI_BACKEND_URL": f"file://{self.state}",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            },
        )
        self.use_virtualenv(virtualenv)
        self.stack = stack
        self._stack: Any = None

    def use_virtualenv(self, virtualenv: Path) -> None:
        """Run a Python program with the Python environment at ``virtualenv`` from now on (others: no change)."""
        settings = self.workspace.project_settings()
        runtime = settings.runtime
        if (getattr(runtime, "name", runtime) or "") != "python":
            return
        options = dict(getattr(runtime, "options", None) or {})
        settings.runtime = self._automation.ProjectRuntimeInfo(
            name="python", options={**options, "virtualenv": str(virtualenv)}
        )
        self.workspace.save_project_settings(settings)

    def init(self, config: dict[str, str] | None = None, secrets: dict[str, str] | None = None) -> None:
        """Create the stack and set plain ``config`` and ``secrets`` (stored encrypted)."""
        self._stack = self._automation.Stack.create(self.stack, self.workspace)
        for key, value in (config or {}).items():
            self.set_config(key, value)
        for key, value in (secrets or {}).items():
            self.set_config(key, value, secret=True)

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        """``pulumi config set [--secret] KEY VALUE``."""
        self._stack.set_config(key, self._automation.ConfigValue(value, secret=secret))

    def preview(
        self,
        *,
        check: bool = True,
        expect_no_changes: bool = False,
        diff: bool = False,
        policy_packs: Sequence[Path] = (),
        policy_pack_configs: Sequence[Path] = (),
    ) -> PulumiResult:
        """``pulumi preview`` (``--expect-no-changes`` fails when anything would change), with policy packs."""
        packs = _policy_options(policy_packs, policy_pack_configs)
        return self._do(
            "preview", lambda: self._stack.preview(expect_no_changes=expect_no_changes, diff=diff, **packs), check
        )

    def up(
        self, check: bool = True, *, policy_packs: Sequence[Path] = (), policy_pack_configs: Sequence[Path] = ()
    ) -> PulumiResult:
        """``pulumi up --yes --skip-preview`` (the engine still runs every check), with policy packs."""
        packs = _policy_options(policy_packs, policy_pack_configs)
        return self._do("up", lambda: self._stack.up(**packs), check)

    def refresh(self, check: bool = True) -> PulumiResult:
        """``pulumi refresh --yes``."""
        return self._do("refresh", self._stack.refresh, check)

    def destroy(self, check: bool = True) -> PulumiResult:
        """``pulumi destroy --yes``."""
        return self._do("destroy", self._stack.destroy, check)

    def outputs(self) -> dict[str, Any]:
        """The stack outputs, secrets shown."""
        return {name: output.value for name, output in self._stack.outputs().items()}

    def export(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """``pulumi stack export [--show-secrets]`` as data: ``{"deployment": {"resources": [...]}, ...}``.

        (The workspace's own ``export_stack`` always shows secrets; leak checks need the plain export too.)
        """
        args = ["stack", "export", "--stack", self.stack, *(["--show-secrets"] if show_secrets else [])]
        exported = self.workspace.pulumi_command.run(args, str(self.project), self.workspace.env_vars)
        return dict(json.loads(exported.stdout))

    def state_files_text(self) -> str:
        """Every file of the backend (state, history, backups) as one text, for leak checks."""
        return "\n".join(p.read_text(errors="replace") for p in self.state.rglob("*") if p.is_file())

    def _do(self, operation: str, run: Callable[[], Any], check: bool) -> PulumiResult:
        try:
            done = run()
        except self._automation.errors.CommandError as error:
            # The Automation API keeps the failed command's code and output only in the message.
            text = str(error)
            code = re.search(r"code: (-?\d+)", text)
            result = PulumiResult(operation, int(code[1]) if code else 1, text, "")
            if check:
                raise RuntimeError(f"pulumi {operation} failed ({result.returncode}):\n{result.output}") from None
            return result
        return PulumiResult(operation, 0, done.stdout, done.stderr)


def _policy_options(packs: Sequence[Path], configs: Sequence[Path]) -> dict[str, Any]:
    return {"policy_packs": [str(p) for p in packs] or None, "policy_pack_configs": [str(c) for c in configs] or None}


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
