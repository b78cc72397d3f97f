"""Tickets as the nodes read them: UTF-8 JSON (see "The protocol" in the README).

A *dataset ticket* names many objects (a prefix ending in ``/``, a glob with ``*``, or a list under
``paths``); GetFlightInfo answers one endpoint per file, each with a *file ticket* that DoGet reads.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Dict, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.compute as pc

#: A path, prefix (``s3://bucket/dir/``), glob (``s3://bucket/dir/**/*.parquet``) or list of paths.
Target = Union[str, Sequence[str]]
#: The filter language as text (``"a > 5 AND b IS NOT NULL"``) or a pyarrow compute expression.
Filter = Union[str, pc.Expression, None]


def dataset_ticket(target: Target, columns: Optional[Sequence[str]] = None,
                   filter: Optional[str] = None, substrait: Optional[bytes] = None,
                   partitioning: Optional[str] = None) -> Dict[str, Any]:
    """The ticket for ``target``: ``{"path": ...}`` for a string, ``{"paths": [...]}`` for a list
    (each literal, so keys holding ``*`` are read this way). ``substrait`` is a serialized
    ExtendedExpression, sent base64-encoded.

    Raises TypeError for a target that is neither, ValueError for an empty one."""
    if isinstance(target, str):
        if not target:
            raise ValueError("the path is empty; give s3://bucket/key, a prefix ending in / or a glob")
        ticket: Dict[str, Any] = {"path": target}
    elif isinstance(target, (list, tuple)):
        if not target or not all(isinstance(p, str) and p for p in target):
            raise ValueError("paths must be a non-empty list of non-empty strings")
        ticket = {"paths": list(target)}
    else:
        raise TypeError(f"path must be a string or a list of strings, not {type(target).__name__}")
    if columns is not None:
        if isinstance(columns, str):
            raise TypeError(f"columns must be a list of names, such as [{columns!r}]")
        ticket["columns"] = list(columns)
    if filter is not None:
        ticket["filter"] = filter
    if substrait is not None:
        ticket["substrait"] = base64.b64encode(substrait).decode("ascii")
    if partitioning is not None:
        ticket["partitioning"] = partitioning
    return ticket


def encode(ticket: Dict[str, Any]) -> bytes:
    """The ticket's wire form."""
    return json.dumps(ticket, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def pinned(ticket: bytes, version: str) -> Optional[bytes]:
    """The file ticket ``ticket`` pinned to the object's ``version`` (its ETag), so a read resumed
    on another owner serves the same version; None when the ticket is not istziio's JSON."""
    try:
        fields = json.loads(ticket)
    except ValueError:
        return None
    if not isinstance(fields, dict):
        return None
    fields["version"] = version
    return encode(fields)


def path_of(ticket: bytes) -> str:
    """The object path a file ticket names, for messages; the raw text when it is not JSON."""
    try:
        fields = json.loads(ticket)
        return str(fields.get("path") or fields.get("paths"))
    except (ValueError, AttributeError):
        return ticket.decode("utf-8", "replace")


def substrait_filter(expression: pc.Expression, schema: pa.Schema) -> bytes:
    """``expression`` as a Substrait ExtendedExpression over ``schema``, which must be the file's
    columns in file order (field references travel as positions).

    Raises ValueError naming the expression when pyarrow cannot serialize it (e.g. a column
    missing from the schema, or a type Substrait lacks)."""
    import pyarrow.substrait as substrait  # a module of its own: load it only for expressions

    try:
        return bytes(substrait.serialize_expressions([expression], ["filter"], schema))
    except (pa.ArrowException, ValueError, TypeError) as e:
        raise ValueError(f"the filter {expression} cannot be sent as Substrait over the columns "
                         f"{schema.names}: {e}") from e
