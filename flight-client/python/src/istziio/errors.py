"""The exceptions a read raises: one per Flight status a node answers, carrying the node's message.

pyarrow reports a node's status as an ``ArrowInvalid``, ``ArrowKeyError`` or ``FlightError`` whose
text wraps the node's message in gRPC debug context; :func:`from_flight` keeps the status and the
message only, so ``str(error)`` is what the node said (e.g. "s3://data/x.parquet does not exist;
check the path").
"""
from __future__ import annotations

import re
from typing import Optional

import pyarrow as pa
import pyarrow.flight as flight

__all__ = [
    "IstziioError", "InvalidRequestError", "NotFoundError", "UnavailableError",
    "UnauthenticatedError", "UnauthorizedError", "ResourceExhaustedError", "UnimplementedError",
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


def from_flight(error: BaseException, path: Optional[str] = None) -> IstziioError:
    """The :class:`IstziioError` subclass for a pyarrow Flight error, with the node's message."""
    code, message = status_of(error)
    return _BY_CODE.get(code, IstziioError)(code, message, path)
