"""Which accounts to read: ``--account-id`` flags, then ``--accounts-file``, else ``CLOUDFLARE_ACCOUNT_ID``.

Every id is validated (32 hexadecimal characters, lower-cased) before any request is sent; the
order is kept as given and nothing is deduplicated. Problems raise :class:`ConfigurationError`
naming where the bad value came from (the flag, the file and line, or the variable).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from .._config import ACCOUNT_ID_HINT, ENV_ACCOUNT_ID, validate_account_id
from .._exceptions import ConfigurationError, InvalidAccountIdError

__all__ = ["read_accounts_file", "resolve_account_ids"]


def resolve_account_ids(flags: Sequence[str], accounts_file: str | None, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The validated account ids to read, in order: the flags', then the file's; else the environment's."""
    sources = [("--account-id", value) for value in flags]
    if accounts_file is not None:
        sources += list(read_accounts_file(accounts_file))
    if not sources and environ.get(ENV_ACCOUNT_ID, "").strip():
        sources = [(ENV_ACCOUNT_ID, environ[ENV_ACCOUNT_ID])]
    if not sources:
        if accounts_file is not None:
            raise ConfigurationError(f"The accounts file {accounts_file} lists no account id.")
        raise ConfigurationError(
            f"No Cloudflare account id was given: pass --account-id ID (repeatable), --accounts-file PATH, "
            f"or set {ENV_ACCOUNT_ID}. It is {ACCOUNT_ID_HINT}."
        )
    return tuple(_validated(source, value) for source, value in sources)


def _validated(source: str, value: str) -> str:
    try:
        return validate_account_id(value)
    except InvalidAccountIdError as error:
        raise InvalidAccountIdError(f"{source}: {error.message}", account_id=error.account_id) from None


def read_accounts_file(path: str) -> Iterator[tuple[str, str]]:
    """``(where, account id)`` per account line of ``path`` (``-``: standard input); ``#`` starts a comment."""
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        value = line.partition("#")[0].strip()
        if value:
            yield f"{path}:{number}", value


def _read_text(path: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"Cannot read the accounts file {path}: {error.strerror or error}.") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"The accounts file {path} is not UTF-8 text: one account id per line.") from None
