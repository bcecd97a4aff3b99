"""Where the guard's provider lived until 0.1: stack states pickled then refer to this module by name.

Pulumi stores a dynamic provider in state as a pickled reference, ``pulumi_cf_billing._guard_provider.
CreditBalanceGuardProvider``. The provider now lives in :mod:`pulumi_cf_billing._pulumi._guard_provider`;
this module keeps the old reference loading, so existing stacks refresh, update and destroy as before.
"""

from ._pulumi._guard_provider import CreditBalanceGuardProvider

__all__ = ["CreditBalanceGuardProvider"]
