"""The exceptions a read raises: one per Flight status a node answers, carrying the node's message.

pyarrow reports a node's status as an ``ArrowInvalid``, ``ArrowKeyError`` or ``FlightError`` whose
text wraps the node's message in gRPC debug context; :func:`from_flight` keeps the status and the
message only, so ``str(error)`` is what the node said (e.g. "s3://data/x.parquet does not exist;
check the path").
"""
from __future__ import annotations

import re
from typing import Iterator, List, Optional, Tuple

import pyarrow as pa
import pyarrow.flight as flight

__all__ = [
    "IstziioError", "InvalidRequestError", "NotFoundError", "UnavailableError",
    "StoreUnavailableError", "UnauthenticatedError", "UnauthorizedError", "ResourceExhaustedError", "UnimplementedError",
    "from_flight",
]


class IstziioError(Exception):
    """A read that failed. ``code`` is the Flight status ("NOT_FOUND", "INVALID_ARGUMENT", ...),
    ``message`` the node's own message, ``path`` the object or dataset asked for (may be None)."""

    def __init__(self, code: str, message: str, path: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidRequestError(IstziioError, ValueError):
    """INVALID_ARGUMENT: a bad ticket, column, filter, path, or a damaged object; fix the request."""


class NotFoundError(IstziioError, FileNotFoundError):
    """NOT_FOUND: the object, bucket or prefix does not exist (or a pinned version is gone)."""


class UnavailableError(IstziioError, ConnectionError):
    """UNAVAILABLE: no node (or the object store behind them) could serve the read."""


class StoreUnavailableError(UnavailableError):
    """UNAVAILABLE because the object store (S3) behind the nodes failed, not a node: unreachable,
    5xx, throttling, a wrong region, clock skew. Asked twice (the next owner, or the only one
    again), not at every owner: every owner asks the same store. Fix the store or retry later."""


class UnauthenticatedError(IstziioError, PermissionError):
    """UNAUTHENTICATED: the node wants a token it was not sent (``token=``, ``ISTZIIO_TOKEN_FILE``),
    or the object store refused the node's credentials."""


class UnauthorizedError(IstziioError, PermissionError):
    """UNAUTHORIZED: the token's role may not make this call (an admin action), or the object
    store denied the node access."""


class ResourceExhaustedError(IstziioError):
    """RESOURCE_EXHAUSTED: every owner is busy or its cache disk is full."""


class UnimplementedError(IstziioError, NotImplementedError):
    """UNIMPLEMENTED: the file uses what the node's Parquet reader lacks (e.g. brotli)."""


_BY_CODE = {
    "INVALID_ARGUMENT": InvalidRequestError,
    "NOT_FOUND": NotFoundError,
    "UNAVAILABLE": UnavailableError,
    "UNAUTHENTICATED": UnauthenticatedError,
    "UNAUTHORIZED": UnauthorizedError,
    "RESOURCE_EXHAUSTED": ResourceExhaustedError,
    "UNIMPLEMENTED": UnimplementedError,
}

# pyarrow's words for a status where they differ from gRPC's name ("Flight returned timeout error").
_CODE_NAMES = {"TIMEOUT": "TIMED_OUT"}

# "Flight returned not found error, with message: <message>. gRPC client debug context: ..."
_FLIGHT_TEXT = re.compile(r"Flight returned (?P<code>[a-z ]+?) error, with message: (?P<message>.*?)"
                          r"(?:\. gRPC client debug context:.*|\. Detail: .*)?$", re.DOTALL)
_BY_TYPE = [
    (flight.FlightUnavailableError, "UNAVAILABLE"),
    (flight.FlightCancelledError, "CANCELLED"),
    (flight.FlightTimedOutError, "TIMED_OUT"),
    (flight.FlightUnauthenticatedError, "UNAUTHENTICATED"),
    (flight.FlightUnauthorizedError, "UNAUTHORIZED"),
    (flight.FlightInternalError, "INTERNAL"),
    (pa.ArrowInvalid, "INVALID_ARGUMENT"),
    (pa.ArrowKeyError, "NOT_FOUND"),
    (pa.ArrowNotImplementedError, "UNIMPLEMENTED"),
]


def status_of(error: BaseException) -> tuple[str, str]:
    """The Flight status code (upper case, as in gRPC) and the node's message of a pyarrow error."""
    text = str(error)
    match = _FLIGHT_TEXT.match(text)
    if match:
        code = match.group("code").upper().replace(" ", "_")
        return _CODE_NAMES.get(code, code), match.group("message")
    for kind, code in _BY_TYPE:
        if isinstance(error, kind):
            return code, text
    return "UNKNOWN", text


def is_store_failure(error: BaseException) -> bool:
    """Whether a node said that its object store failed rather than the node.

    The node marks such an error with the trailer ``istziio-failed: store`` (what the Java client
    reads) and the same mark in a ``google.rpc.Status`` in ``grpc-status-details-bin``, the trailer
    that pyarrow hands over as ``FlightError.extra_info`` (pyarrow shows no other trailer): one
    ``google.rpc.ErrorInfo`` detail of domain ``istziio`` and reason ``STORE``."""
    try:
        return _error_info(getattr(error, "extra_info", b"") or b"") == (_DOMAIN, b"STORE")
    except (IndexError, ValueError):  # not a google.rpc.Status: another server's extra_info
        return False


def store_unavailable(path: Optional[str], attempts: List[Tuple[str, str]]) -> StoreUnavailableError:
    """The error for a read whose store failed at each of ``attempts`` ((location, the node's
    message), in order); it names S3 for an ``s3://`` path."""
    store = "S3" if (path or "").startswith("s3://") else "the object store"
    asked = ", then ".join(location for location, _ in attempts)
    return StoreUnavailableError(
        "UNAVAILABLE", f"{store} failed, not the nodes (asked {asked}): {attempts[-1][1]}", path)


def from_flight(error: BaseException, path: Optional[str] = None) -> IstziioError:
    """The :class:`IstziioError` subclass for a pyarrow Flight error, with the node's message."""
    code, message = status_of(error)
    return _BY_CODE.get(code, IstziioError)(code, message, path)


# -- the node's error details: a google.rpc.Status, read with just what it needs of protobuf ------

_DOMAIN = b"istziio"
_ERROR_INFO = b"type.googleapis.com/google.rpc.ErrorInfo"


def _error_info(status: bytes) -> Optional[Tuple[bytes, bytes]]:
    """(domain, reason) of the first ErrorInfo among a google.rpc.Status's details (field 3, each
    an Any: type_url 1, value 2; ErrorInfo: reason 1, domain 2), or None."""
    for number, detail in _fields(status):
        if number != 3 or not isinstance(detail, bytes):
            continue
        any_ = dict(_fields(detail))
        if any_.get(1) == _ERROR_INFO and isinstance(any_.get(2), bytes):
            info = dict(_fields(any_[2]))
            return info.get(2, b""), info.get(1, b"")
    return None


def _fields(message: bytes) -> Iterator[Tuple[int, object]]:
    """(field number, value) of each field of a protobuf message: varints as int, length-delimited
    fields as bytes. :raises ValueError: a wire type these messages do not use, or a cut message."""
    position = 0
    while position < len(message):
        key, position = _varint(message, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(message, position)
            yield number, value
        elif wire_type == 2:
            size, position = _varint(message, position)
            if position + size > len(message):
                raise ValueError("a field runs past the end of the message")
            yield number, message[position:position + size]
            position += size
        else:
            raise ValueError(f"wire type {wire_type}")


def _varint(data: bytes, position: int) -> Tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]  # IndexError: cut short
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
