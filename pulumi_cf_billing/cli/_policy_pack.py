"""``cf-billing policy-pack path`` and ``policy-pack init DIR``: where the shipped pack is, or a pack of your own.

``path`` prints the directory of the pack inside the installed package, for
``pulumi preview --policy-pack "$(cf-billing policy-pack path)"``. ``init DIR`` writes a small pack
that imports the same policy, for a team to version and publish (``pulumi policy publish``).
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from .._exceptions import ConfigurationError
from ._args import PolicyPackCommand
from ._exit_codes import ExitCode

__all__ = ["run_policy_pack"]

_PACKAGE = "pulumi-cf-billing[policy]"


def pack_requirement() -> str:
    """The pack's requirement line: this package as it was installed here (a checkout, a wheel, a Git URL).

    pip records a direct install's origin in ``direct_url.json`` (PEP 610); a package installed from
    an index has none, and is required by name.
    """
    try:
        origin = json.loads(distribution("pulumi-cf-billing").read_text("direct_url.json") or "null")
    except (PackageNotFoundError, ValueError):
        origin = None
    url = origin.get("url") if isinstance(origin, dict) else None
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    if isinstance(url, str) and isinstance(vcs, dict) and isinstance(vcs.get("commit_id"), str):
        url = f"{vcs.get('vcs', 'git')}+{url}@{vcs['commit_id']}"
    return f"{_PACKAGE} @ {url}" if isinstance(url, str) else _PACKAGE


def run_policy_pack(command: PolicyPackCommand) -> ExitCode:
    """Print the shipped pack's directory, or write a pack into an empty or new directory."""
    from ..policy import PACK_DIR  # noqa: PLC0415  # only this command needs it

    if command.action == "path":
        print(PACK_DIR)
        return ExitCode.OK
    target = Path(command.directory or ".")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigurationError(f"{target} exists and is not an empty directory: choose a new one for the pack.")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("PulumiPolicy.yaml", "__main__.py"):
        (target / name).write_text((PACK_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    (target / "requirements.txt").write_text(pack_requirement() + "\n", encoding="utf-8")
    print(target.resolve())
    return ExitCode.OK
