"""A Prometheus exporter of AI Gateway credits: balances, floors, auto top-up, runway and the guard's verdict.

Reads happen in the background every interval (never per scrape) through one client; a failed
read keeps the last good values and marks the account unreadable. Serve the families over HTTP
(:func:`serving`) or write them for node_exporter's textfile collector (:func:`write_textfile`)::

    rules = Rules(floor_usd=Decimal(50))
    with CreditBalanceClient() as client, Exporter(client, [account_id], rules) as exporter:
        with serving(registry_for(exporter.snapshot, rules.floor_usd), "127.0.0.1", 9464):
            ...

``cf-billing metrics`` does the same from the command line.
"""

from typing import TYPE_CHECKING

from .._assess import Rules
from .._lazy import lazy_names
from ._defaults import DEFAULT_CONCURRENCY, DEFAULT_INTERVAL_S, DEFAULT_REQUEST_BUDGET, SYNC_CLIENT_CONNECTIONS

if TYPE_CHECKING:
    from ._collector import FAMILIES, BillingCollector, Family, registry_for
    from ._exporter import AccountState, Cycle, Exporter, Judgement
    from ._serve import check_textfile, serving, write_textfile

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_INTERVAL_S",
    "DEFAULT_REQUEST_BUDGET",
    "FAMILIES",
    "SYNC_CLIENT_CONNECTIONS",
    "AccountState",
    "BillingCollector",
    "Cycle",
    "Exporter",
    "Family",
    "Judgement",
    "Rules",
    "check_textfile",
    "registry_for",
    "serving",
    "write_textfile",
]

# The exporter (the client, asyncio) and prometheus_client (about 100 ms of imports without bytecode)
# load on first use, so `cf-billing` commands that only parse their arguments never pay for them.
_EXPOSITION = {
    **dict.fromkeys(("AccountState", "Cycle", "Exporter", "Judgement"), "_exporter"),
    **dict.fromkeys(("FAMILIES", "BillingCollector", "Family", "registry_for"), "_collector"),
    **dict.fromkeys(("check_textfile", "serving", "write_textfile"), "_serve"),
}

__getattr__ = lazy_names(__name__, _EXPOSITION)
