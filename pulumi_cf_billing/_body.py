"""A response body read under a cap: sans-I/O, fed chunk by chunk, never holding more than the cap.

Cloudflare's balance response is under 2 KB. A hostile or broken server may announce or send
gigabytes, chunk forever, or gzip a bomb; :class:`BoundedBody` stops at :data:`MAX_BODY_BYTES`
*decoded* bytes, decompressing with a bounded output size so that a bomb never inflates past it.
"""

from __future__ import annotations

import zlib

__all__ = ["MAX_BODY_BYTES", "BodyProblem", "BoundedBody"]

MAX_BODY_BYTES = 1 << 20
"""The most decoded bytes of one response body that are read (1 MiB, 500 times the real size)."""

_DECODERS = {
    "gzip": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
    "deflate": lambda: zlib.decompressobj(zlib.MAX_WBITS),
}


class BodyProblem(Exception):
    """Why a body was not accepted, in words that complete "Cloudflare's answer was ..."."""


class BoundedBody:
    """Accumulates a body's decoded bytes, at most ``cap``; raises :class:`BodyProblem` beyond it.

    ``content_encoding`` is the response's ``Content-Encoding`` (``None``, ``identity``, ``gzip``,
    ``x-gzip`` or ``deflate``); ``declared_length`` its ``Content-Length``, refused at once when
    over the cap.
    """

    def __init__(self, content_encoding: str | None, declared_length: str | None, cap: int = MAX_BODY_BYTES) -> None:
        self._cap = cap
        self._parts: list[bytes] = []
        self._size = 0
        encoding = (content_encoding or "identity").strip().lower()
        if encoding not in ("identity", *_DECODERS):
            raise BodyProblem(f"a body in an encoding this client does not read ({(content_encoding or '')[:40]!r})")
        self._decoder = _DECODERS[encoding]() if encoding in _DECODERS else None
        length = (declared_length or "").strip()
        if length.isdigit() and (len(length) > 12 or int(length) > cap):
            raise BodyProblem(f"a body announced as {length[:20]} bytes, over the {cap:,}-byte limit")

    def feed(self, chunk: bytes) -> None:
        """Add one chunk as it came off the wire."""
        room = self._cap - self._size
        if self._decoder is not None:
            try:
                chunk = self._decoder.decompress(chunk, room + 1)
            except zlib.error:
                raise BodyProblem("a compressed body that does not decompress") from None
        self._keep(chunk, room)

    def result(self) -> bytes:
        """The whole decoded body, once the last chunk has been fed."""
        if self._decoder is not None:
            self._keep(self._decoder.flush(), self._cap - self._size)
        return b"".join(self._parts)

    def _keep(self, data: bytes, room: int) -> None:
        if len(data) > room:
            raise BodyProblem(f"a body of more than {self._cap:,} bytes")
        self._parts.append(data)
        self._size += len(data)
