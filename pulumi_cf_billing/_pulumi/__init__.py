"""The Pulumi surface: everything that needs the ``pulumi`` SDK, loaded only when a program uses it.

- ``_generated``: ``get_credit_balance`` / ``get_credit_balance_output`` and the other endpoints' functions,
  shaped like a provider SDK's and generated from the endpoint table and the schema (``tools/gen_functions.py``);
- ``_functions``: their one implementation, and their results' ``@pulumi.output_type`` classes (``result_type``);
- ``_assertions``: ``require_credit_balance``, a check that keeps nothing in state;
- ``_guard``: the ``CreditBalanceGuard`` resource a program declares (light: what it reads and judges with
  loads in the worker thread that judges);
- ``_program_judging``: the verdict the program makes for a guard, read and judged there;
- ``_dynamic_provider``: the guard's dynamic provider, run by Pulumi's provider host (pickled by reference),
  which reports the verdict the program made;
- ``_host_judging``: what that provider judges itself (``pulumi refresh``, a check without a verdict),
  loaded only then;
- ``_settings``: where credentials, base URL and account id come from (arguments, stack config, environment);
- ``_program``: the one read path of a program run, shared by all of the above.

Imports go one way: this layer uses the core (``pulumi_cf_billing._*``); the core never imports it.
"""
