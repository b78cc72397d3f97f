"""The routed client: GetFlightInfo on any node, DoGet straight at each file's owner."""
from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as flight

from . import errors, security, tickets
from .pool import FlightClientPool
from .reader import read_endpoints
from .spread import NodeLoad
from .stall import StallWatch
from .tickets import Filter, Target

# GetFlightInfo may move to another node after these; anything else is the request's fault.
_TRY_ANOTHER_NODE = {"UNAVAILABLE", "TIMED_OUT", "CANCELLED"}
# Seconds for which a node that failed GetFlightInfo (no answer within call_timeout, unreachable)
# is asked last by this client's later GetFlightInfos, so a frozen node costs one call_timeout,
# not one every len(nodes) calls.
ASK_LAST_SECONDS = 10.0


def connect(locations: Union[str, Sequence[str]], *, parallelism: int = 4, buffer: int = 4,
            call_timeout: float = 10.0, stall_timeout: float = 5.0,
            tls_root_certs: Union[bytes, str, None] = None,
            token: Optional[str] = None, spread: bool = True) -> "Client":
    """A client of the cluster that ``locations`` belong to.

    :param locations: one or more node locations (``"grpc+tcp://host:8815"``); any node will do,
        the others are learnt from its ring view. A Redis URI is not accepted: this package
        depends on pyarrow only.
    :param parallelism: files (endpoints) read at once by one read.
    :param buffer: batches each of those may hold ahead of the consumer.
    :param call_timeout: seconds GetFlightInfo and the admin actions may take on one node before
        the next node is asked; a node that failed GetFlightInfo is asked last for
        ``ASK_LAST_SECONDS`` (10) after.
    :param stall_timeout: seconds a read waits for the schema or the next batch from a node before
        it pings the node: one that does not answer within ``min(stall_timeout, 2)`` seconds is
        given up (frozen, or cut off) and the read goes on at the next owner after the rows it
        delivered; one that answers is slow (a cold miss of a large object) and the read waits on.
    :param tls_root_certs: for ``grpc+tls://`` nodes, the CA bundle their certificates are checked
        against: PEM bytes, or the path of a PEM file. Default: the file named by the environment
        variable ``ISTZIIO_TLS_CA``, else the system's roots.
    :param token: the bearer token sent on every call, for nodes started with ``--token-file``.
        Default: from the token file named by ``ISTZIIO_TOKEN_FILE`` (its first ``admin`` token,
        else its first token), else none.
    :param spread: start a file's read at the owner chosen by this client's last 64 requests
        per node (bounded loads, :mod:`istziio.spread`): a file not read among them (nor being
        read) goes to its primary, so files read now and then are cached once; a hot file goes to
        its primary unless the primary took about 1.25 times the mean of those requests, so it
        spreads over its owners (and is cached on each). ``False``: always the primary first. The
        failover order after the first owner is the ring order either way.
    :raises ValueError: no location, or one that is not ``grpc[+tcp|+tls]://host:port``; a CA
        bundle or token file that cannot be read; a stall timeout that is not positive.
    """
    return Client(locations, parallelism=parallelism, buffer=buffer, call_timeout=call_timeout,
                  stall_timeout=stall_timeout, tls_root_certs=tls_root_certs, token=token,
                  spread=spread)


class Client:
    """Reads Parquet objects and datasets through istziio nodes. Thread-safe; close it (or use it
    as a context manager) to close its connections.

    A read asks any node for the FlightInfo of the path (one endpoint per file, each listing the
    file's owners in ring order), then reads the endpoints from their owners (each from the owner
    chosen by load, see ``connect(spread=)``), ``parallelism`` at a time, each file's batches in
    order and the files in the FlightInfo's order (sorted by path). When an owner is unreachable
    or fails mid-stream, the next owner serves the rest of that file, pinned to the version the
    first one served."""

    def __init__(self, locations: Union[str, Sequence[str]], *, parallelism: int = 4,
                 buffer: int = 4, call_timeout: float = 10.0, stall_timeout: float = 5.0,
                 tls_root_certs: Union[bytes, str, None] = None, token: Optional[str] = None,
                 spread: bool = True):
        seeds = [locations] if isinstance(locations, str) else list(locations)
        if not seeds:
            raise ValueError("connect() needs at least one node location, e.g. grpc+tcp://127.0.0.1:8815")
        for seed in seeds:
            if not isinstance(seed, str) or not seed.startswith(("grpc://", "grpc+tcp://", "grpc+tls://")):
                raise ValueError(f"{seed!r} is not a node location; give grpc+tcp://host:port")
        if parallelism < 1 or buffer < 1:
            raise ValueError("parallelism and buffer must be at least 1")
        self._nodes: List[str] = list(dict.fromkeys(seeds))
        self._learnt = False
        self._next_node = 0
        self._failed_at: Dict[str, float] = {}  # node -> time.monotonic() of its last failure
        self._lock = threading.Lock()
        self._pool = FlightClientPool(*security.resolve(tls_root_certs, token))
        self._stalls = StallWatch(self._pool, stall_timeout)
        self._parallelism = parallelism
        self._buffer = buffer
        self._options = self._pool.options(timeout=call_timeout)
        self._last_stats: List[Dict[str, Any]] = []
        # Reads in flight per node, shared by every read of this client (thread-safe).
        self._load: Optional[NodeLoad] = NodeLoad() if spread else None

    # -- reads -------------------------------------------------------------------------------

    def read_table(self, path: Target, columns: Optional[Sequence[str]] = None,
                   filter: Filter = None, *, partitioning: Optional[str] = None,
                   with_stats: bool = False) -> Union[pa.Table, Tuple[pa.Table, List[Dict[str, Any]]]]:
        """Every matching row of ``path`` as one table (see :meth:`read_batches` for the
        arguments). With ``with_stats=True`` it returns ``(table, stats)``, ``stats`` as
        :attr:`last_stats`."""
        stats: List[Dict[str, Any]] = []
        with self._read(path, columns, filter, partitioning, stats.extend) as reader:
            table = reader.read_all()
        return (table, stats) if with_stats else table

    def read_batches(self, path: Target, columns: Optional[Sequence[str]] = None,
                     filter: Filter = None, *, partitioning: Optional[str] = None) -> pa.RecordBatchReader:
        """A stream of the matching rows of ``path``, as record batches.

        :param path: an object (``s3://bucket/key.parquet``, ``file:///abs/path``), a prefix
            ending in ``/`` (every object under it), a glob (``s3://bucket/t/**/*.parquet``) or a
            list of object paths.
        :param columns: the columns to return, in this order (partition columns included);
            default all.
        :param filter: a predicate in the filter language (``"a > 5 AND b IS NOT NULL"``) or a
            ``pyarrow.compute.Expression``, sent as Substrait over the dataset's schema.
        :param partitioning: ``"hive"`` or ``"none"``; default: detected by the node.
        :returns: a ``pyarrow.RecordBatchReader`` that reads as it is consumed (files in parallel,
            bounded); engines such as DuckDB and polars take it as it is. To stop early, drop it
            (``del reader``, or let it go out of scope): releasing it cancels the streams under
            way (pyarrow's ``close()`` alone keeps its batch iterator, and so the streams, alive).
        :raises IstziioError: the node's status and message (e.g. :class:`NotFoundError`); from
            GetFlightInfo at once, from a file's read when the stream reaches it.
        """
        return self._read(path, columns, filter, partitioning, lambda stats: None)

    def info(self, path: Target, columns: Optional[Sequence[str]] = None, filter: Filter = None,
             *, partitioning: Optional[str] = None) -> flight.FlightInfo:
        """GetFlightInfo of the read: the schema, one endpoint per file with its owners (primary
        first) and ticket, ``total_records``/``total_bytes`` (-1 when unknown)."""
        return self._info(self._ticket(path, columns, filter, partitioning))[0]

    def scan_polars(self, path: Target, columns: Optional[Sequence[str]] = None,
                    filter: Filter = None, *, partitioning: Optional[str] = None) -> Any:
        """A ``polars.LazyFrame`` over the read (needs polars): nothing is read until it is
        collected; the columns the query uses are asked of the nodes, its predicate runs in polars
        on each batch (give ``filter`` to run one in the nodes), and a ``head(n)`` stops the read
        after ``n`` rows."""
        import polars as pl
        from polars.io.plugins import register_io_source

        schema = pl.from_arrow(self.info(path, columns, filter, partitioning=partitioning)
                               .schema.empty_table()).schema

        def source(with_columns: Optional[List[str]], predicate: Any, n_rows: Optional[int],
                   batch_size: Optional[int]) -> Iterator[Any]:
            reader = self.read_batches(path, with_columns if with_columns is not None else columns,
                                       filter, partitioning=partitioning)
            seen = 0
            try:
                for batch in reader:
                    frame = pl.from_arrow(batch)
                    if predicate is not None:
                        frame = frame.filter(predicate)
                    if n_rows is not None:
                        frame = frame.head(n_rows - seen)
                    seen += frame.height
                    yield frame
                    if n_rows is not None and seen >= n_rows:
                        break
            finally:
                del reader  # releasing the reader cancels the streams still under way

        return register_io_source(source, schema=schema)

    @property
    def last_stats(self) -> List[Dict[str, Any]]:
        """The node's account of each file of the last read that finished, in file order: the
        README's ReadStats fields (``cache``, ``tier``, ``rows``, ``bytes``, ``fetchNanos``,
        ``version``...) plus ``path``, ``node`` (the location that served it) and ``failovers``."""
        return list(self._last_stats)

    # -- cluster -------------------------------------------------------------------------------

    def node_stats(self, location: str) -> Dict[str, Any]:
        """The counters of the node at ``location`` (the ``stats`` action), as a dict."""
        return self._action(location, "stats")

    def ring(self) -> Dict[str, Any]:
        """The ring view of the first node that answers: ``{"members": [{"id", "location",
        "weight"}], "replicas", "epoch", ...}``."""
        failures = []
        for location in self._nodes_in_order():
            try:
                return self._action(location, "ring")
            except errors.UnavailableError as e:
                failures.append(f"{location} ({e.message})")
        raise errors.UnavailableError("UNAVAILABLE", "no node answered; tried " + ", ".join(failures))

    def close(self) -> None:
        """Closes the connections; reads under way fail."""
        self._stalls.close()
        self._pool.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------------

    def _read(self, path: Target, columns: Optional[Sequence[str]], filter: Filter,
              partitioning: Optional[str], sink: Any) -> pa.RecordBatchReader:
        info, answered_by = self._info(self._ticket(path, columns, filter, partitioning))
        schema = info.schema

        def done(stats: List[Dict[str, Any]]) -> None:
            self._last_stats = stats
            sink(stats)

        with self._lock:
            nodes = list(self._nodes)
        batches = read_endpoints(self._pool, self._stalls, info, answered_by, self._parallelism,
                                 self._buffer, done, self._load, nodes)
        return pa.RecordBatchReader.from_batches(schema, (_conform(b, schema) for b in batches))

    def _ticket(self, path: Target, columns: Optional[Sequence[str]], filter: Filter,
                partitioning: Optional[str]) -> Dict[str, Any]:
        if filter is None or isinstance(filter, str):
            return tickets.dataset_ticket(path, columns, filter, partitioning=partitioning)
        if isinstance(filter, pc.Expression):
            # Substrait references columns by position, so it is written against the files'
            # columns in file order; each file's scanner runs it, where partition columns are not.
            info = self._info(tickets.dataset_ticket(path, partitioning=partitioning))[0]
            partitions = _partition_names(info)
            files = pa.schema([field for field in info.schema if field.name not in partitions])
            try:
                substrait = tickets.substrait_filter(filter, files)
            except ValueError:
                named = [name for name in partitions if name in str(filter)]
                if named:
                    raise ValueError(
                        f"an Expression filter may name only the files' columns {files.names}, not the "
                        f"partition columns {named}; filter those with a filter-language string, e.g. "
                        f"filter=\"{named[0]} = ...\"") from None
                raise
            return tickets.dataset_ticket(path, columns, substrait=substrait, partitioning=partitioning)
        raise TypeError(f"filter must be a string or a pyarrow.compute.Expression, not {type(filter).__name__}")

    def _info(self, ticket: Dict[str, Any]) -> Tuple[flight.FlightInfo, str]:
        """GetFlightInfo from the first node that answers, and that node's location. A store
        failure is asked once more (of the next node, or of the same one when it is the last),
        then raised as :class:`~istziio.StoreUnavailableError`."""
        descriptor = flight.FlightDescriptor.for_command(tickets.encode(ticket))
        target = ticket.get("path", ticket.get("paths"))
        failures = []
        store_failures: List[Tuple[str, str]] = []
        nodes = self._nodes_in_order()
        # The list may grow while it is walked: a store failure at the last node appends it again.
        for position, location in enumerate(nodes):
            try:
                info = self._pool.get(location).get_flight_info(descriptor, self._options)
            except (pa.ArrowException, OSError) as e:
                code, message = errors.status_of(e)
                if code not in _TRY_ANOTHER_NODE:
                    raise errors.from_flight(e, str(target)) from None
                if errors.is_store_failure(e):
                    store_failures.append((location, message))
                    if len(store_failures) > 1:
                        raise errors.store_unavailable(str(target), store_failures) from None
                    if position == len(nodes) - 1:
                        nodes.append(location)
                    continue
                failures.append(f"{location} ({message})")
                with self._lock:
                    self._failed_at[location] = time.monotonic()
                self._pool.evict(location)
                continue
            with self._lock:
                self._failed_at.pop(location, None)
            self._learn_members(location)
            return info, location
        if store_failures:
            failures.insert(0, f"{store_failures[0][0]} ({store_failures[0][1]})")
        raise errors.UnavailableError(
            "UNAVAILABLE", f"no node could be asked about {target}; tried {', '.join(failures)}",
            str(target))

    def _nodes_in_order(self) -> List[str]:
        """Every known node, starting at the next in turn, so GetFlightInfos spread over them;
        a node that failed within ASK_LAST_SECONDS comes after the others (the longest ago
        first)."""
        now = time.monotonic()
        with self._lock:
            nodes = list(self._nodes)
            start = self._next_node % len(nodes)
            self._next_node += 1
            failed = {node: at for node, at in self._failed_at.items()
                      if now - at < ASK_LAST_SECONDS}
        in_turn = nodes[start:] + nodes[:start]
        return ([node for node in in_turn if node not in failed]
                + sorted((node for node in in_turn if node in failed), key=failed.__getitem__))

    def _learn_members(self, location: str) -> None:
        """Adds the ring's members to the nodes GetFlightInfo may ask, once, so a client given
        one seed survives that seed's loss."""
        if self._learnt:
            return
        self._learnt = True
        try:
            members = self._action(location, "ring").get("members", [])
        except errors.IstziioError:
            return  # best effort: the seeds still work
        with self._lock:
            for member in members:
                if isinstance(member, dict) and isinstance(member.get("location"), str) \
                        and member["location"] not in self._nodes:
                    self._nodes.append(member["location"])

    def _action(self, location: str, name: str) -> Dict[str, Any]:
        try:
            results = list(self._pool.get(location).do_action(flight.Action(name, b""), self._options))
        except (pa.ArrowException, OSError) as e:
            self._pool.evict(location)
            raise errors.from_flight(e) from None
        return json.loads(results[0].body.to_pybytes()) if results else {}


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with exactly ``schema`` (the FlightInfo's): a node's stream may differ in schema
    metadata only, which RecordBatchReader.from_batches would refuse."""
    if batch.schema.equals(schema, check_metadata=True):
        return batch
    if batch.schema.equals(schema):
        return pa.RecordBatch.from_arrays(batch.columns, schema=schema)
    return batch.cast(schema)


def _partition_names(info: flight.FlightInfo) -> List[str]:
    """The partition columns a dataset's endpoints carry (their tickets' ``partition``)."""
    for endpoint in info.endpoints:
        ticket = json.loads(endpoint.ticket.ticket)
        return [value["name"] for value in ticket.get("partition") or []]
    return []
