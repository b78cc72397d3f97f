"""Reading a FlightInfo's endpoints: several at once, each from its first reachable location, its
batches handed on in order, with failover that never delivers a row twice or mixes two versions."""
from __future__ import annotations

import collections
import functools
import json
import queue
import threading
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.flight as flight

from . import errors, tickets
from .pool import FlightClientPool
from .spread import NodeLoad
from .stall import StallWatch, Wait

# Codes after which another owner may serve the endpoint: the node is unreachable, reset the stream
# (a node that stops dies with RST_STREAM, seen as CANCELLED), or is at its --max-streams. A
# failure of the object store behind a node (UNAVAILABLE marked as the store's) is not a node's:
# it is asked once more, not of every owner (errors.is_store_failure).
_NODE_FAILED = {"UNAVAILABLE", "CANCELLED", "RESOURCE_EXHAUSTED"}
# Seconds before a store failure at the only owner left is asked again of that owner.
STORE_RETRY_PAUSE = 0.5
_END = object()  # the end of one endpoint's batches in its queue


class EndpointReader:
    """Reads one endpoint: DoGet at its locations in order (the owner first, or with ``load`` the
    owner it chooses by load, then the rest in ring order), moving to the next location when a
    node fails. A stream that broke off after delivering rows resumes on the next
    owner after those rows, pinned to the version (ETag) the first batch named, so the rows of one
    file all come from one version; without a version it cannot resume and raises.

    ``emit(batch)`` receives each non-empty batch; :attr:`stats` holds the node's ReadStats (the
    last message's app metadata) with ``path``, ``node`` (the location that finished the read)
    and ``failovers`` added. A DoGet or stream that delivers nothing for the stall timeout from a
    node that does not answer a ping is given up as a failed node
    (:class:`~istziio.stall.StallWatch`). A store failure is asked once more, of the next owner
    (or of the last one again), then raised as :class:`~istziio.StoreUnavailableError`."""

    def __init__(self, pool: FlightClientPool, endpoint: flight.FlightEndpoint,
                 default_location: str, cancelled: threading.Event, stalls: StallWatch,
                 load: Optional[NodeLoad] = None, nodes: Sequence[str] = ()):
        self._pool = pool
        self._stalls = stalls
        self._ticket = endpoint.ticket.ticket
        self._locations = [_uri(loc) for loc in endpoint.locations] or [default_location]
        # Counts every DoGet (recent and in flight); None: no counting, no choice (ring order).
        self._load = load
        self._nodes = list(nodes)  # the nodes the client knows, for the mean load
        self._cancelled = cancelled
        self._wait: Optional[Wait] = None  # the DoGet or stream under way
        self._lock = threading.Lock()
        self.path = tickets.path_of(self._ticket)
        self.stats: Dict[str, Any] = {}

    def cancel(self) -> None:
        """Cancels the DoGet or stream under way, if any (from another thread)."""
        with self._lock:
            wait = self._wait
        if wait is not None:
            wait.cancel()

    def read(self, emit: Callable[[pa.RecordBatch], None]) -> None:
        """Streams the endpoint's batches to ``emit``; raises an :class:`~istziio.IstziioError`."""
        delivered = 0
        version: Optional[str] = None
        tried: List[str] = []
        store_failures: List[Tuple[str, str]] = []
        locations = list(self._locations)
        if self._load is not None:  # counts the read as started at the first location
            locations = self._load.order(locations, self.path, self._nodes)
        # The list may grow while it is walked: a store failure at the last owner appends it again.
        for position, location in enumerate(locations):
            ticket = self._ticket
            if version is not None:
                ticket = tickets.pinned(self._ticket, version) or self._ticket
            skip = delivered
            wait = None
            if self._load is not None and position > 0:
                self._load.started(location, self.path)  # a failover: a request to another node
            # in flight until the stream ends: finished() in the finally
            try:
                do_get = functools.partial(self._pool.get(location).do_get, flight.Ticket(ticket),
                                           self._pool.options())
                with self._stalls.watch(location) as wait:
                    with self._lock:
                        self._wait = wait
                    if self._cancelled.is_set():
                        return
                    stream = wait.open(do_get)  # watched: the node may freeze before its schema
                    node_stats: Dict[str, Any] = {}
                    while True:
                        wait.begin()
                        try:
                            chunk = stream.read_chunk()
                        except StopIteration:
                            break
                        finally:
                            wait.end()
                        metadata = _json(chunk.app_metadata)
                        if version is None and isinstance(metadata.get("version"), str):
                            version = metadata["version"]
                        if "rows" in metadata:  # ReadStats, on the last message
                            node_stats = metadata
                        batch = chunk.data
                        if batch is None or batch.num_rows == 0:
                            continue
                        if skip >= batch.num_rows:  # already delivered before a failover
                            skip -= batch.num_rows
                            continue
                        if skip:
                            batch = batch.slice(skip)
                            skip = 0
                        emit(batch)
                        delivered += batch.num_rows
                self.stats = {**node_stats, "path": self.path, "node": location,
                              "failovers": len(tried)}
                return
            except (pa.ArrowException, OSError) as e:
                if self._cancelled.is_set():
                    return
                if isinstance(e, errors.IstziioError):
                    raise
                code, message = errors.status_of(e)
                # A stream the node's transport reset as its process died reads INTERNAL "RST_STREAM
                # closed stream"; the node's own INTERNAL answers read "internal error (incident …)".
                reset = code == "INTERNAL" and "RST_STREAM closed stream" in message
                if code not in _NODE_FAILED and not reset:
                    raise errors.from_flight(e, self.path) from None
                if delivered and version is None:
                    raise errors.UnavailableError(
                        code, f"{location} failed after {delivered} rows of {self.path} and sent "
                        f"no version to resume from: {message}", self.path) from None
                if errors.is_store_failure(e):
                    # The node is fine, its store is not, and every owner asks the same store:
                    # once more (a flaky GET), at the next owner or, the last, at this one again.
                    store_failures.append((location, message))
                    if len(store_failures) > 1:
                        raise errors.store_unavailable(self.path, store_failures) from None
                    tried.append(f"{location} ({message})")
                    if position == len(locations) - 1:
                        locations.append(location)
                        if self._cancelled.wait(STORE_RETRY_PAUSE):
                            return
                    continue
                if wait is not None and wait.stalled:
                    message = self._stalls.describe()
                tried.append(f"{location} ({message})")
                if code != "RESOURCE_EXHAUSTED":  # busy, not broken: keep its connection
                    self._pool.evict(location)
            finally:
                if self._load is not None:
                    self._load.finished(self.path)
                with self._lock:
                    self._wait = None
        raise errors.UnavailableError(
            "UNAVAILABLE", f"no owner of {self.path} could serve it; tried {', '.join(tried)}",
            self.path)


def read_endpoints(pool: FlightClientPool, stalls: StallWatch, info: flight.FlightInfo,
                   default_location: str, parallelism: int, buffer: int,
                   on_done: Callable[[List[Dict[str, Any]]], None],
                   load: Optional[NodeLoad] = None,
                   nodes: Sequence[str] = ()) -> Iterator[pa.RecordBatch]:
    """The batches of every endpoint of ``info``, endpoint after endpoint, each endpoint's in order.

    At most ``parallelism`` endpoints are read at once, each buffering at most ``buffer`` batches
    ahead of the consumer, so memory stays bounded however many files the dataset has. The first
    failure is raised when the consumer reaches its endpoint. Closing the iterator early cancels
    the streams under way. ``on_done`` receives every endpoint's stats, in endpoint order, once
    all were read. With ``load``, each endpoint starts at the owner chosen by load
    (:mod:`istziio.spread`; ``nodes``: every node the client knows) and counts its DoGets there."""
    endpoints = list(info.endpoints)
    cancelled = threading.Event()
    window: Deque[Tuple[EndpointReader, "queue.Queue[Any]"]] = collections.deque()
    finished: List[Dict[str, Any]] = []
    started = 0

    def start() -> None:
        nonlocal started
        reader = EndpointReader(pool, endpoints[started], default_location, cancelled, stalls,
                                load, nodes)
        slots: "queue.Queue[Any]" = queue.Queue(maxsize=max(1, buffer))
        started += 1
        # Daemon threads: a consumer that abandons the reader must not keep the interpreter alive.
        threading.Thread(target=_fill, args=(reader, slots, cancelled), daemon=True,
                         name=f"istziio-read-{started}").start()
        window.append((reader, slots))

    try:
        while started < len(endpoints) and len(window) < max(1, parallelism):
            start()
        while window:
            reader, slots = window[0]
            while True:
                item = slots.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
            window.popleft()
            finished.append(reader.stats)
            if started < len(endpoints):
                start()
        on_done(finished)
    finally:
        cancelled.set()
        for reader, _ in window:
            reader.cancel()


def _fill(reader: EndpointReader, slots: "queue.Queue[Any]", cancelled: threading.Event) -> None:
    """A reading thread: the endpoint's batches into ``slots``, then _END or the error."""

    def put(item: Any) -> None:
        # Waits for the consumer, giving up when the read is closed (nobody will take the item).
        while not cancelled.is_set():
            try:
                slots.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Closed()

    try:
        reader.read(put)
        put(_END)
    except _Closed:
        pass
    except BaseException as e:  # handed to the consumer, who raises it
        try:
            put(e if isinstance(e, errors.IstziioError) else errors.from_flight(e, reader.path))
        except _Closed:
            pass


class _Closed(Exception):
    """The consumer closed the read; the reading thread stops."""


def _uri(location: flight.Location) -> str:
    uri = location.uri
    return uri.decode() if isinstance(uri, bytes) else str(uri)


def _json(buffer: Optional[pa.Buffer]) -> Dict[str, Any]:
    if buffer is None or buffer.size == 0:
        return {}
    try:
        value = json.loads(buffer.to_pybytes())
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


__all__ = ["EndpointReader", "read_endpoints"]
