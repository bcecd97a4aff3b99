"""The ``cf-billing`` command line: ``balance``, ``check --floor-usd``, ``usage``, ``fake-api`` and ``policy-pack``.

Exit codes (see :class:`ExitCode`): 0 every account read (``check``: and meeting every rule);
1 ``check`` only: every account read, at least one below the floor or breaking a rule; 2 usage or
configuration error, found before any request; 3 at least one account could not be read. 3 wins
over 1: when some accounts break a rule and others are unreadable, nothing can be vouched for.
"""

from ._exit_codes import ExitCode
from ._main import main

__all__ = ["ExitCode", "main"]
