"""Where the guard's provider lived in release 0.1.0: stack states pickled then refer to this module by name.

Pulumi stores a dynamic provider in state as a pickled reference, ``pulumi_cf_billing._guard_provider.
CreditBalanceGuardProvider``. The provider now lives in :mod:`pulumi_cf_billing._pulumi._dynamic_provider`;
this module only keeps that old reference loading, so existing stacks refresh, update and destroy as before.
"""

from ._pulumi._dynamic_provider import CreditBalanceGuardProvider

__all__ = ["CreditBalanceGuardProvider"]
