"""``get_credit_balance`` and ``get_credit_balance_output``: the data source, shaped like Pulumi's SDK functions.

Results are read-only mappings with snake_case properties; their keys and units are those of
``cf-billing balance --json`` (``balance`` in US cents as returned, ``balance_usd`` in US dollars),
so a whole result can be exported as a stack output.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, NoReturn, TypeVar, overload

import pulumi

from .._exceptions import CloudflareBillingError
from .._serialize import credit_balance_to_dict
from ._program import read_in_program

__all__ = [
    "AwaitableGetCreditBalanceResult",
    "GetCreditBalancePaymentMethodResult",
    "GetCreditBalanceResult",
    "GetCreditBalanceTopupConfigResult",
    "get_credit_balance",
    "get_credit_balance_output",
]

T = TypeVar("T")


class _Key(Generic[T]):
    """A read-only property that reads the mapping key of the same name."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _Key[T]: ...
    @overload
    def __get__(self, obj: dict[str, Any], owner: type) -> T: ...
    def __get__(self, obj: dict[str, Any] | None, owner: type) -> T | _Key[T]:
        return self if obj is None else obj[self.name]


class _Result(dict[str, Any]):
    """A result mapping; not to be changed after it is built (every dict method that would change it raises)."""

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only
    update = pop = popitem = setdefault = clear = _read_only

    def __reduce__(self) -> tuple[type, tuple[dict[str, Any]]]:
        # copy, deepcopy and pickle rebuild through __init__, not through the blocked __setitem__.
        return type(self), (dict(self),)


class GetCreditBalancePaymentMethodResult(_Result):
    """The payment method on file."""

    brand: _Key[str | None] = _Key()
    last4: _Key[str | None] = _Key()


class GetCreditBalanceTopupConfigResult(_Result):
    """Automatic top-up settings: ``amount``/``threshold`` in US cents, ``*_usd`` in US dollars."""

    amount: _Key[float | None] = _Key()
    threshold: _Key[float | None] = _Key()
    amount_usd: _Key[float | None] = _Key()
    threshold_usd: _Key[float | None] = _Key()
    disabled_reason: _Key[str | None] = _Key()
    error: _Key[str | None] = _Key()
    last_failed_at: _Key[float | None] = _Key()


class GetCreditBalanceResult(_Result):
    """A collection of values returned by get_credit_balance: ``balance`` in US cents, ``balance_usd`` in dollars."""

    account_id: _Key[str] = _Key()
    balance: _Key[float] = _Key()
    balance_usd: _Key[float] = _Key()
    has_default_payment_method: _Key[bool | None] = _Key()
    payment_method: _Key[GetCreditBalancePaymentMethodResult | None] = _Key()
    topup_config: _Key[GetCreditBalanceTopupConfigResult] = _Key()
    first_topup_success: _Key[bool | None] = _Key()


class AwaitableGetCreditBalanceResult(GetCreditBalanceResult):
    """The result of :func:`get_credit_balance`, usable directly or with ``await``."""

    def __await__(self) -> Generator[None, None, GetCreditBalanceResult]:
        if False:  # makes this a generator, as Pulumi's SDK functions do
            yield
        return GetCreditBalanceResult(self)


def _result(data: dict[str, Any]) -> AwaitableGetCreditBalanceResult:
    payment = data["payment_method"]
    return AwaitableGetCreditBalanceResult(
        data,
        payment_method=None if payment is None else GetCreditBalancePaymentMethodResult(payment),
        topup_config=GetCreditBalanceTopupConfigResult(data["topup_config"]),
    )


def get_credit_balance(
    account_id: str | None = None,
    opts: pulumi.InvokeOptions | None = None,
    *,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
) -> AwaitableGetCreditBalanceResult:
    """Read the AI Gateway credit balance of ``account_id`` now, in preview and in up.

    Settings are resolved as the README's configuration table says (arguments, then stack config,
    then environment). Every read of one account in one run shares one request. Raises
    ``pulumi.RunError`` (one clean line in Pulumi's output) when the balance cannot be read; its
    ``__cause__`` is the :class:`CloudflareBillingError` with status, codes and account.
    """
    return _read(account_id, api_token, api_key, email, base_url)


def _read(
    account_id: str | None, api_token: str | None, api_key: str | None, email: str | None, base_url: str | None
) -> AwaitableGetCreditBalanceResult:
    with _as_run_error():
        balance = read_in_program(account_id, api_token=api_token, api_key=api_key, email=email, base_url=base_url)
    return _result(credit_balance_to_dict(balance))


def get_credit_balance_output(
    account_id: pulumi.Input[str] | None = None,
    opts: pulumi.InvokeOptions | pulumi.InvokeOutputOptions | None = None,
    *,
    api_token: pulumi.Input[str] | None = None,
    api_key: pulumi.Input[str] | None = None,
    email: pulumi.Input[str] | None = None,
    base_url: pulumi.Input[str] | None = None,
) -> pulumi.Output[GetCreditBalanceResult]:
    """Like :func:`get_credit_balance`, taking ``Input``s and returning an ``Output``.

    While an input is unknown (a value computed by a resource not yet created in preview), the
    result is unknown and no request is made. ``opts.depends_on`` (``InvokeOutputOptions``) is
    honoured: the read waits until those resources exist, and is unknown in preview when they do not.
    """
    gate = _dependencies_gate(opts)
    arguments = pulumi.Output.all(account_id, api_token, api_key, email, base_url, gate)

    async def read(values: list[Any]) -> GetCreditBalanceResult:
        # The read runs in a worker thread, not on the event loop: a plain get_credit_balance()
        # called inside an apply blocks the loop while it waits for the shared read in flight,
        # which must therefore never need the loop to finish.
        return GetCreditBalanceResult(await asyncio.to_thread(_read, *values[:5]))

    return arguments.apply(read)


@contextmanager
def _as_run_error() -> Iterator[None]:
    """Report a failed read as ``pulumi.RunError``: Pulumi then shows one line, not a traceback.

    The original :class:`CloudflareBillingError` stays reachable as ``__cause__``.
    """
    try:
        yield
    except CloudflareBillingError as error:
        raise pulumi.RunError(f"get_credit_balance: {error}") from error


def _dependencies_gate(opts: pulumi.InvokeOptions | pulumi.InvokeOutputOptions | None) -> pulumi.Output[Any]:
    """An Output known once every ``depends_on`` resource exists.

    ``depends_on`` takes every form Pulumi accepts (a resource, a list, Outputs of either). A custom
    resource exists once its id is known; a component once its children exist, as Pulumi's own
    invokes wait.
    """
    depends_on: Any = getattr(opts, "depends_on", None) or []

    def markers(resources: Any) -> pulumi.Output[list[Any]]:
        listed = resources if isinstance(resources, Sequence) else [resources]
        return pulumi.Output.all(*(_existence(resource) for resource in listed))

    return pulumi.Output.from_input(depends_on).apply(markers)


def _existence(resource: pulumi.Resource) -> pulumi.Output[Any]:
    if isinstance(resource, pulumi.CustomResource):
        return resource.id
    children: set[pulumi.Resource] = getattr(resource, "_childResources", set())
    return pulumi.Output.all(resource.urn, *(_existence(child) for child in children))
