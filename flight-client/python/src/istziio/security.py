"""TLS roots and bearer tokens for secured nodes: what ``connect(tls_root_certs=..., token=...)`` takes,
and the environment fallbacks ``ISTZIIO_TLS_CA`` (a PEM file) and ``ISTZIIO_TOKEN_FILE`` (a node's
token file, whose first ``admin`` token, else first token, is sent)."""
from __future__ import annotations

import os
from typing import List, Optional, Tuple, Union

__all__ = ["root_certs", "token_from_file", "resolve"]

_ROLES = {"read", "node", "admin"}


def root_certs(value: Union[bytes, str, "os.PathLike[str]", None]) -> Optional[bytes]:
    """PEM bytes of a CA bundle given as PEM bytes or text, or as the path of a PEM file."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    text = os.fspath(value)
    if text.lstrip().startswith("-----BEGIN"):
        return text.encode("ascii")
    try:
        with open(text, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"cannot read the CA bundle {text}: {e.strerror}") from None


def _entries(path: str) -> List[Tuple[str, str]]:
    """(token, role) of each line of a token file; a line that does not parse is named, its token never."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ValueError(f"cannot read the token file {path}: {e.strerror}") from None
    entries = []
    for number, line in enumerate(lines, 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        role = words[1] if len(words) > 1 else "read"
        if len(words) > 2 or role not in _ROLES:
            raise ValueError(f"{path} line {number}: expected TOKEN or TOKEN ROLE (read, node or admin)")
        entries.append((words[0], role))
    if not entries:
        raise ValueError(f"{path} holds no token; write one per line")
    return entries


def token_from_file(path: str) -> str:
    """The token a client sends from a token file: its first admin token, else its first token."""
    entries = _entries(path)
    return next((token for token, role in entries if role == "admin"), entries[0][0])


def resolve(tls_root_certs: Union[bytes, str, "os.PathLike[str]", None],
            token: Optional[str]) -> Tuple[Optional[bytes], Optional[str]]:
    """The CA bundle and token to use: the arguments, else the ISTZIIO_TLS_CA and ISTZIIO_TOKEN_FILE
    environment variables (paths), else none."""
    if tls_root_certs is None and os.environ.get("ISTZIIO_TLS_CA"):
        tls_root_certs = os.environ["ISTZIIO_TLS_CA"]
    if token is None and os.environ.get("ISTZIIO_TOKEN_FILE"):
        token = token_from_file(os.environ["ISTZIIO_TOKEN_FILE"])
    return root_certs(tls_root_certs), token
