"""Which owner of a file a read goes to first: consistent hashing with bounded loads (Mirrokni,
Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018, arXiv:1608.01350, 2016)
over this client's recent requests, the rule of the Java client's ``OwnerChoice``.

:class:`NodeLoad` keeps the node and the file of this client's last ``WINDOW`` (64) reads. Every
node has the capacity ``C = ceil((1 + EPSILON) * (w + 1) / n)``, where ``w`` is the reads in the
window (at the nodes known), ``n`` the nodes the client knows (its nodes and the file's owners) and
the ``+ 1`` the read being placed. A file that is not *hot* (not read within the window, no read in
flight) goes to its primary, so a file read now and then is cached once. A hot file's read goes to
the first owner in ring order whose window count is below ``C``; when none is, to the owner with the
fewest reads in the window (the first in ring order on a tie). The other owners follow in ring
order: they are the failover order. The cost: a hot file is read, and cached, on more than one of
its owners (each fills read-through on its first read). No clock: the window slides by reads."""
from __future__ import annotations

import collections
import math
import threading
from typing import Deque, Dict, Iterable, List, Sequence, Tuple

EPSILON = 0.25  # the paper's c = 1 + EPSILON: a node's window count is bounded by ~25% above the mean
WINDOW = 64  # reads the window holds: this client's last 64


def capacity(recent_reads: int, nodes: int) -> int:
    """``ceil((1 + EPSILON) * (recent_reads + 1) / nodes)``: the reads in the window a node may
    hold before a hot file's next read moves on. ``recent_reads``: reads in the window before this
    one (>= 0); ``nodes``: the nodes known (>= 1)."""
    if nodes < 1 or recent_reads < 0:
        raise ValueError(f"need nodes >= 1 and recent_reads >= 0; got nodes={nodes}, "
                         f"recent_reads={recent_reads}")
    return math.ceil((1 + EPSILON) * (recent_reads + 1) / nodes)


def choose(owner_counts: Sequence[int], recent_reads: int, nodes: int, hot: bool) -> int:
    """The index of the owner a read goes to first; ``owner_counts``: each owner's reads in the
    window, in ring order (primary first); ``recent_reads`` over all ``nodes`` known (at least the
    owners); ``hot``: the file was read within the window or has a read in flight (else 0)."""
    if not owner_counts:
        raise ValueError("a file has at least one owner")
    if not hot:
        return 0
    limit = capacity(recent_reads, max(nodes, len(owner_counts)))
    least = 0
    for i, count in enumerate(owner_counts):
        if count < limit:
            return i
        if count < owner_counts[least]:
            least = i
    return least


class NodeLoad:
    """This client's last ``WINDOW`` reads (node location and file path of each, with the counts
    per node and per path over them) and its reads in flight per path, from just before a DoGet
    until its stream ends. One lock guards all of it, so a read's choice and its count are one
    step: two reads starting together never both take the last place under the bound."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window: Deque[Tuple[str, str]] = collections.deque()  # (location, path), oldest first
        self._per_node: Dict[str, int] = {}  # window counts, > 0 only
        self._per_path: Dict[str, int] = {}
        self._in_flight: Dict[str, int] = {}  # reads per path, > 0 only

    def order(self, owners: List[str], path: str, known: Iterable[str]) -> List[str]:
        """``owners`` (ring order) of ``path`` with the owner :func:`choose` picks first, the rest
        after it in ring order; the read is counted as started at that first owner (pair it with
        :meth:`finished`; count a failover to a later owner with :meth:`started`). An empty list
        is returned as it is, and nothing is counted."""
        if not owners:
            return []
        nodes = set(known) | set(owners)
        with self._lock:
            first = 0
            if len(owners) > 1:
                recent = sum(self._per_node.get(n, 0) for n in nodes)
                counts = [self._per_node.get(o, 0) for o in owners]
                first = choose(counts, recent, len(nodes), self._hot(path))
            self._started(owners[first], path)
        return [owners[first]] + owners[:first] + owners[first + 1:]

    def started(self, location: str, path: str) -> None:
        """A read of ``path`` starts at ``location``, chosen by the caller (a failover)."""
        with self._lock:
            self._started(location, path)

    def finished(self, path: str) -> None:
        """A read of ``path`` started by :meth:`order` or :meth:`started` ended, however it ended."""
        with self._lock:
            _decrement(self._in_flight, path)

    def recent(self, location: str) -> int:
        """Reads in the window that went to ``location``."""
        with self._lock:
            return self._per_node.get(location, 0)

    def recent_reads(self) -> int:
        """Reads in the window, at most ``WINDOW``."""
        with self._lock:
            return len(self._window)

    def reading(self, path: str) -> int:
        """Reads of ``path`` in flight now."""
        with self._lock:
            return self._in_flight.get(path, 0)

    def hot(self, path: str) -> bool:
        """Whether ``path`` was read within the window or is being read now."""
        with self._lock:
            return self._hot(path)

    def _hot(self, path: str) -> bool:  # under the lock
        return path in self._per_path or path in self._in_flight

    def _started(self, location: str, path: str) -> None:  # under the lock
        if len(self._window) == WINDOW:  # the oldest read leaves the window
            old_location, old_path = self._window.popleft()
            _decrement(self._per_node, old_location)
            _decrement(self._per_path, old_path)
        self._window.append((location, path))
        self._per_node[location] = self._per_node.get(location, 0) + 1
        self._per_path[path] = self._per_path.get(path, 0) + 1
        self._in_flight[path] = self._in_flight.get(path, 0) + 1


def _decrement(counts: Dict[str, int], key: str) -> None:
    count = counts.get(key, 0) - 1
    if count > 0:
        counts[key] = count
    else:
        counts.pop(key, None)


__all__ = ["EPSILON", "WINDOW", "NodeLoad", "capacity", "choose"]
