"""The guard's rules as flags: one per rule input of the guard definition, parsed by the definition.

``check`` and ``metrics`` judge as a ``CreditBalanceGuard`` does, so they take its rules the same
way: ``floor_usd`` is ``--floor-usd``, its help is the definition's description, and its value is
parsed by the definition's parser (a refusal names the flag). The account ids come from the read
options, and what a breach or an error does to a deploy is the command's own (its exit code).
"""

from __future__ import annotations

import argparse

from .._assess import Rules
from .._exceptions import ConfigurationError
from .._guard_definition import GUARD_INPUTS, REQUIRED
from .._guard_judging import parse_guard

__all__ = ["RULE_INPUTS", "add_rule_flags", "flag", "parse_rules"]

RULE_INPUTS = tuple(item for item in GUARD_INPUTS if item.name not in ("account_id", "on_breach", "on_error"))
"""The guard's inputs that are rules: not the account, nor what a breach or an error does to a deploy."""
_METAVARS = {"amount_usd": "AMOUNT", "days": "DAYS", "window_days": "N"}


def flag(name: str) -> str:
    """``floor_usd`` -> ``--floor-usd``."""
    return "--" + name.replace("_", "-")


def add_rule_flags(parser: argparse.ArgumentParser, title: str) -> None:
    """A flag per rule under ``title``; values stay text until :func:`parse_rules`."""
    group = parser.add_argument_group(title)
    for item in RULE_INPUTS:
        if item.kind == "boolean":
            group.add_argument(flag(item.name), action="store_true", help=item.description)
            continue
        default = "" if item.default is None or item.default is REQUIRED else f" (default {item.default})"
        group.add_argument(
            flag(item.name),
            required=item.default is REQUIRED,
            metavar=_METAVARS[item.kind],
            help=item.description + default,
        )


def parse_rules(namespace: argparse.Namespace) -> Rules:
    """The rules the flags give, parsed by the guard definition; :class:`ConfigurationError` naming each bad flag."""
    values = {flag(item.name): getattr(namespace, item.name) for item in RULE_INPUTS}
    parsed = parse_guard(values, spelling=flag, inputs=RULE_INPUTS)
    if parsed.guard is None:
        raise ConfigurationError("; ".join(problem.reason for problem in parsed.problems) + ".")
    return parsed.guard.rules
