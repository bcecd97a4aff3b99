"""``python -m pulumi_cf_billing.cli``: the same as the ``cf-billing`` console script."""

from ._main import main

raise SystemExit(main())
