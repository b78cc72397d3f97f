"""One Flight client per node location, shared by every read of a :class:`istziio.Client`."""
from __future__ import annotations

import threading
from typing import Dict, List, Optional, Tuple

import pyarrow.flight as flight


class FlightClientPool:
    """Flight clients keyed by location URI (``grpc+tcp://host:port`` or ``grpc+tls://...``).
    pyarrow's FlightClient is thread-safe, so one per node serves every concurrent stream to it
    (gRPC multiplexes them over one connection). ``grpc+tls`` clients check the node's certificate
    against ``tls_root_certs`` (PEM; None: the system's roots); every call made with
    :meth:`options` carries ``authorization: Bearer <token>`` when a token is given. Thread-safe."""

    def __init__(self, tls_root_certs: Optional[bytes] = None, token: Optional[str] = None) -> None:
        self._clients: Dict[str, flight.FlightClient] = {}
        self._lock = threading.Lock()
        self._tls_root_certs = tls_root_certs
        self._headers: List[Tuple[bytes, bytes]] = (
            [(b"authorization", b"Bearer " + token.encode("ascii"))] if token else [])

    def options(self, timeout: Optional[float] = None) -> flight.FlightCallOptions:
        """Call options with the token's header and ``timeout`` seconds (None: no deadline)."""
        if not self._headers:
            return flight.FlightCallOptions(timeout=timeout)
        return flight.FlightCallOptions(timeout=timeout, headers=self._headers)

    def get(self, location: str) -> flight.FlightClient:
        """The client for ``location``, connected on first use (gRPC connects lazily)."""
        with self._lock:
            client = self._clients.get(location)
            if client is None:
                if location.startswith("grpc+tls://") and self._tls_root_certs is not None:
                    client = flight.FlightClient(location, tls_root_certs=self._tls_root_certs)
                else:
                    client = flight.FlightClient(location)
                self._clients[location] = client
            return client

    def evict(self, location: str) -> None:
        """Drops the client of a node that failed, so the next use reconnects."""
        with self._lock:
            client = self._clients.pop(location, None)
        if client is not None:
            _close_quietly(client)

    def close(self) -> None:
        """Closes every client; the pool may be used again afterwards."""
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            _close_quietly(client)


def _close_quietly(client: flight.FlightClient) -> None:
    try:
        client.close()
    except Exception:  # closing a client to a dead node may fail; there is nothing to release
        pass
