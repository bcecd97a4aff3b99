"""Pulumi property values and plain Python data: names, unknowns and secrets across the plugin's edge.

The engine speaks camelCase (``floorUsd``), this library snake_case (``floor_usd``). A value not
known yet (``pulumi preview`` of an input computed from another resource) arrives as the engine's
unknown sentinel string, possibly inside a map or list, or as ``Computed``; :func:`is_unknown`
finds either anywhere in a value. Secrets arrive as values marked secret; the plugin keeps the
mark on inputs and puts it on what it derives from them (:func:`to_value` with ``secret=True``).
Numbers arrive and leave as doubles (``float``): the gRPC wire has no other number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue

from .._guard_definition import camel

__all__ = [
    "SECRET_TEXT",
    "UNKNOWN",
    "camel",
    "contains_secret",
    "is_unknown",
    "snake",
    "to_plain",
    "to_value",
    "unechoed",
]

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""How the engine sends a value that is not known yet: this string (Pulumi's ``UnknownStringValue``)."""
SECRET_TEXT = "[secret]"  # noqa: S105  # what a secret shows as in a message, not a secret


def snake(name: str) -> str:
    """``balanceUsd`` -> ``balance_usd``."""
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in name)


def is_unknown(value: PropertyValue) -> bool:
    """Whether ``value``, or anything inside it, is not known yet."""
    inner = value.value
    if isinstance(inner, Computed) or inner == UNKNOWN:
        return True
    if isinstance(inner, Mapping):
        return any(is_unknown(item) for item in inner.values())
    if isinstance(inner, (list, tuple)):
        return any(is_unknown(item) for item in inner)
    return False


def contains_secret(values: Iterable[PropertyValue]) -> bool:
    """Whether any of ``values`` is, or holds, a secret."""
    return any(_secret(value) for value in values)


def _secret(value: PropertyValue) -> bool:
    inner = value.value
    if value.is_secret:
        return True
    if isinstance(inner, Mapping):
        return contains_secret(inner.values())
    return isinstance(inner, (list, tuple)) and contains_secret(inner)


def to_plain(value: PropertyValue) -> Any:
    """A property value as plain Python data: secret marks dropped, numbers as ``float``."""
    inner = value.value
    if isinstance(inner, Mapping):
        return {key: to_plain(item) for key, item in inner.items()}
    if isinstance(inner, (list, tuple)):
        return [to_plain(item) for item in inner]
    return inner


def to_value(data: Any, rename: Callable[[str], str] = camel, *, secret: bool = False) -> PropertyValue:
    """Plain data as a property value (marked secret when ``secret``), map keys renamed, ``None`` members left out.

    Integers become doubles, the wire's one kind of number.
    """
    if isinstance(data, Mapping):
        value = PropertyValue({rename(key): to_value(item, rename) for key, item in data.items() if item is not None})
    elif isinstance(data, (list, tuple)):
        value = PropertyValue([to_value(item, rename) for item in data])
    elif isinstance(data, int) and not isinstance(data, bool):
        value = PropertyValue(float(data))
    else:
        value = PropertyValue(data)
    return value.with_secret(True) if secret else value


def unechoed(reason: str, value: PropertyValue | None) -> str:
    """A refusal of ``value`` that does not echo it when it is secret.

    The parsers end a refusal with ``; got <value>``, which becomes ``; got a secret value``; elsewhere
    (``'<id>' is not a Cloudflare account id``) the value's text becomes :data:`SECRET_TEXT`.
    """
    if value is None or not contains_secret([value]):
        return reason
    head, got, _ = reason.rpartition("; got ")
    return f"{head}; got a secret value" if got else reason.replace(str(to_plain(value)), SECRET_TEXT)
