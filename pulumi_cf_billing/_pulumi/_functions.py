"""``get_credit_balance`` and ``get_credit_balance_output``: the data source, shaped like Pulumi's SDK functions.

Results are ``@pulumi.output_type`` classes with snake_case properties, as Pulumi's code generator
makes for every provider SDK's functions. They are also mappings (as the generator makes nested
result types), whose keys and units are those of ``cf-billing balance --json`` (``balance`` in US
cents as returned, ``balance_usd`` in US dollars), so a whole result can be exported as a stack output.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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


def _set_all(result: dict[str, Any], arguments: dict[str, Any]) -> None:
    for name, value in arguments.items():
        if name != "__self__":
            pulumi.set(result, name, value)


@pulumi.output_type
class GetCreditBalancePaymentMethodResult(dict[str, Any]):
    """The payment method on file."""

    def __init__(__self__, *, brand: str | None = None, last4: str | None = None) -> None:
        pulumi.set(__self__, "brand", brand)
        pulumi.set(__self__, "last4", last4)

    @property
    @pulumi.getter
    def brand(self) -> str | None:
        """The card brand (``visa``), when Cloudflare shows one."""
        return pulumi.get(self, "brand")

    @property
    @pulumi.getter
    def last4(self) -> str | None:
        """The card's last four digits, when Cloudflare shows them."""
        return pulumi.get(self, "last4")


@pulumi.output_type
class GetCreditBalanceTopupConfigResult(dict[str, Any]):
    """Automatic top-up settings: ``amount``/``threshold`` in US cents, ``*_usd`` in US dollars."""

    def __init__(  # codegen's name
        __self__,
        *,
        amount: float | None = None,
        threshold: float | None = None,
        amount_usd: float | None = None,
        threshold_usd: float | None = None,
        disabled_reason: str | None = None,
        error: str | None = None,
        last_failed_at: float | None = None,
    ) -> None:
        _set_all(__self__, locals())

    @property
    @pulumi.getter
    def amount(self) -> float | None:
        """The top-up amount in US cents."""
        return pulumi.get(self, "amount")

    @property
    @pulumi.getter
    def threshold(self) -> float | None:
        """The balance in US cents under which a top-up is triggered."""
        return pulumi.get(self, "threshold")

    @property
    @pulumi.getter
    def amount_usd(self) -> float | None:
        """The top-up amount in US dollars."""
        return pulumi.get(self, "amount_usd")

    @property
    @pulumi.getter
    def threshold_usd(self) -> float | None:
        """The top-up threshold in US dollars."""
        return pulumi.get(self, "threshold_usd")

    @property
    @pulumi.getter
    def disabled_reason(self) -> str | None:
        """Why Cloudflare disabled automatic top-up, if it did."""
        return pulumi.get(self, "disabled_reason")

    @property
    @pulumi.getter
    def error(self) -> str | None:
        """The last top-up's error, if it failed."""
        return pulumi.get(self, "error")

    @property
    @pulumi.getter
    def last_failed_at(self) -> float | None:
        """When a top-up last failed, in epoch milliseconds."""
        return pulumi.get(self, "last_failed_at")


@pulumi.output_type
class GetCreditBalanceResult(dict[str, Any]):
    """A collection of values returned by get_credit_balance: ``balance`` in US cents, ``balance_usd`` in dollars."""

    def __init__(  # codegen's name
        __self__,
        *,
        account_id: str,
        balance: float,
        balance_usd: float,
        has_default_payment_method: bool | None = None,
        payment_method: GetCreditBalancePaymentMethodResult | None = None,
        topup_config: GetCreditBalanceTopupConfigResult,
        first_topup_success: bool | None = None,
    ) -> None:
        _set_all(__self__, locals())

    @property
    @pulumi.getter
    def account_id(self) -> str:
        """The account read (32 lowercase hexadecimal characters)."""
        return pulumi.get(self, "account_id")

    @property
    @pulumi.getter
    def balance(self) -> float:
        """The credit balance in US cents, as Cloudflare returned it."""
        return pulumi.get(self, "balance")

    @property
    @pulumi.getter
    def balance_usd(self) -> float:
        """The credit balance in US dollars."""
        return pulumi.get(self, "balance_usd")

    @property
    @pulumi.getter
    def has_default_payment_method(self) -> bool | None:
        """Whether the account has a default payment method."""
        return pulumi.get(self, "has_default_payment_method")

    @property
    @pulumi.getter
    def payment_method(self) -> GetCreditBalancePaymentMethodResult | None:
        """The payment method on file, if any."""
        return pulumi.get(self, "payment_method")

    @property
    @pulumi.getter
    def topup_config(self) -> GetCreditBalanceTopupConfigResult:
        """Automatic top-up settings."""
        return pulumi.get(self, "topup_config")

    @property
    @pulumi.getter
    def first_topup_success(self) -> bool | None:
        """Whether the account's first top-up succeeded, when Cloudflare says."""
        return pulumi.get(self, "first_topup_success")


class AwaitableGetCreditBalanceResult(GetCreditBalanceResult):
    """The result of :func:`get_credit_balance`, usable directly or with ``await``."""

    def __await__(self) -> Generator[None, None, GetCreditBalanceResult]:
        if False:  # makes this a generator, as Pulumi's SDK functions do
            yield
        return GetCreditBalanceResult(**self)


def _result(data: dict[str, Any]) -> AwaitableGetCreditBalanceResult:
    payment = data["payment_method"]
    return AwaitableGetCreditBalanceResult(
        **{
            **data,
            "payment_method": None if payment is None else GetCreditBalancePaymentMethodResult(**payment),
            "topup_config": GetCreditBalanceTopupConfigResult(**data["topup_config"]),
        }
    )


def get_credit_balance(
    account_id: str | None = None,
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

    Unlike a provider SDK's direct-form function it takes no ``opts``: none of ``InvokeOptions``
    (provider, parent, version) applies to a read made by this library rather than a provider
    plugin, and ordering needs an Output (see :func:`get_credit_balance_output`).
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
    opts: pulumi.InvokeOutputOptions | None = None,
    *,
    api_token: pulumi.Input[str] | None = None,
    api_key: pulumi.Input[str] | None = None,
    email: pulumi.Input[str] | None = None,
    base_url: pulumi.Input[str] | None = None,
) -> pulumi.Output[GetCreditBalanceResult]:
    """Like :func:`get_credit_balance`, taking ``Input``s and returning an ``Output``.

    While an input is unknown (a value computed by a resource not yet created in preview), the
    result is unknown and no request is made. ``opts.depends_on`` is honoured, as by Pulumi's
    output-form invokes: the read waits until those custom resources exist (it is unknown in
    preview while they do not); a component resource counts once it is registered.
    """
    gate = _dependencies_gate(opts)
    arguments = pulumi.Output.all(account_id, api_token, api_key, email, base_url, gate)

    async def read(values: list[Any]) -> GetCreditBalanceResult:
        # The read runs in a worker thread, not on the event loop: a plain get_credit_balance()
        # called inside an apply blocks the loop while it waits for the shared read in flight,
        # which must therefore never need the loop to finish.
        return GetCreditBalanceResult(**await asyncio.to_thread(_read, *values[:5]))

    return arguments.apply(read)


@contextmanager
def _as_run_error(subject: str = "get_credit_balance") -> Iterator[None]:
    """Report a failed read as ``pulumi.RunError``: Pulumi then shows one line, not a traceback.

    The original :class:`CloudflareBillingError` stays reachable as ``__cause__``.
    """
    try:
        yield
    except CloudflareBillingError as error:
        raise pulumi.RunError(f"{subject}: {error}") from error


def _dependencies_gate(opts: pulumi.InvokeOutputOptions | None) -> pulumi.Output[Any]:
    """An Output known once every ``depends_on`` resource exists.

    ``depends_on`` takes every form Pulumi accepts (a resource, a list, Outputs of either). A custom
    resource exists once its id is known. A component counts once its URN is: Pulumi's SDK waits
    for a component's children through a private attribute (pulumi/pulumi#7732) and offers no
    public way to list them, so list the custom resources themselves to wait for them.
    """
    depends_on: Any = getattr(opts, "depends_on", None) or []

    def markers(resources: Any) -> pulumi.Output[list[Any]]:
        listed = resources if isinstance(resources, Sequence) else [resources]
        return pulumi.Output.all(*(_existence(resource) for resource in listed))

    return pulumi.Output.from_input(depends_on).apply(markers)


def _existence(resource: pulumi.Resource) -> pulumi.Output[Any]:
    return resource.id if isinstance(resource, pulumi.CustomResource) else resource.urn
