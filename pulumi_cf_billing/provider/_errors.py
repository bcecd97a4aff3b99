"""Failures the plugin did not foresee, in one line a person can act on: never a Python traceback.

Pulumi's provider server (``pulumi.provider.experimental.server``) wraps an exception escaping a
handler in a new one whose message is the Python traceback, and the engine prints that message.
:class:`OneLineErrors` sits in front of it as a gRPC interceptor: whatever escapes a call ends the
call with one line, the original exception's words for this library's errors (they are written for
people), else its kind and a short excerpt, with what to do.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio

from .._exceptions import CloudflareBillingError
from .._text import clean, shown

__all__ = ["REPORT", "OneLineErrors", "describe_unexpected", "one_line"]

REPORT = "This is a bug in pulumi-cf-billing: please report it with the command you ran."


def describe_unexpected(error: BaseException) -> str:
    """``an unexpected KeyError ('floor_usd')``: the kind of a failure nobody foresaw and a short excerpt of it.

    The excerpt is left out when long (:func:`.._text.shown`: it could hold a credential) or when it only
    repeats the kind (``decimal`` errors say ``[<class 'decimal.InvalidOperation'>]``).
    """
    kind = type(error).__name__
    first = next(iter(str(error).splitlines()), "")
    excerpt = f" ({shown(clean(first))})" if first and kind not in first else ""
    return f"an unexpected {kind}{excerpt}"


def _origin(error: BaseException) -> BaseException:
    """The exception that started it all, following ``raise ... from`` and implicit chaining (not ``from None``)."""
    while True:
        cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if cause is None:
            return error
        error = cause


def one_line(error: BaseException, method: str) -> tuple[grpc.StatusCode, str]:
    """The gRPC status and the one line to answer ``method`` with, for ``error`` escaping its handler."""
    origin = _origin(error)
    if isinstance(origin, CloudflareBillingError):
        return grpc.StatusCode.INVALID_ARGUMENT, clean(origin.message)
    if isinstance(origin, NotImplementedError):
        return grpc.StatusCode.UNIMPLEMENTED, f"cf-billing does not implement {method}."
    return grpc.StatusCode.UNKNOWN, f"cf-billing: {method} failed with {describe_unexpected(origin)}. {REPORT}"


# A unary handler. The stubs type it for the synchronous server; under grpc.aio its context is a
# grpc.aio.ServicerContext and it may return an awaitable.
Behavior = Callable[[Any, Any], Any]


class OneLineErrors(grpc.aio.ServerInterceptor):
    """Ends every unary call that raises with :func:`one_line` instead of a traceback (streaming calls: untouched)."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = str(handler_call_details.method).rsplit("/", 1)[-1]
        return grpc.unary_unary_rpc_method_handler(
            _guarded(handler.unary_unary, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _guarded(behavior: Behavior, method: str) -> Behavior:
    async def guarded(request: Any, context: Any) -> Any:
        try:
            result = behavior(request, context)
            return await result if inspect.isawaitable(result) else result
        except grpc.aio.AbortError:
            raise  # the handler ended the call itself, with its own status
        except Exception as error:  # whatever escapes becomes one line, never a traceback
            code, message = one_line(error, method)
            await context.abort(code, message)

    return guarded
