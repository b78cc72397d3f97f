"""Which owner of a file a read goes to first, by load: consistent hashing with bounded loads
(Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018,
arXiv:1608.01350, 2016), the rule of the Java client's ``OwnerChoice``.

Every node has the capacity ``C = ceil((1 + EPSILON) * (m + 1) / n) + s``, where ``m`` is this
client's reads in flight over the ``n`` nodes it knows (its nodes and the file's owners), the
``+ 1`` is the read being placed, and the slack ``s`` is ``SLACK`` for a file this client is not
reading already and 0 for one it is (a hot file). The read goes to the first owner in ring order holding fewer than
``C`` reads; when every owner is full, to the least loaded (the first in ring order on a tie). The
other owners follow in ring order: they are the failover order. A file read one at a time thus
always goes to its primary (cold files are cached once); a file read by many at once spreads over
its owners, which fill read-through on their first read."""
from __future__ import annotations

import math
import threading
from typing import Dict, Iterable, List, Sequence

EPSILON = 0.25  # the paper's c = 1 + EPSILON: a node holds at most ~25% above the mean...
SLACK = 1  # ...plus one read, so a read or two of other files do not move a cold file; 0 for a
# file with a read in flight, which gets the paper's bound as it is


def capacity(in_flight: int, nodes: int, hot: bool) -> int:
    """``ceil((1 + EPSILON) * (in_flight + 1) / nodes) + slack``: the reads a node may hold before
    the next read moves on. ``in_flight``: reads on all ``nodes`` (>= 1) before this one; ``hot``:
    this client has a read of the same file in flight (slack 0, else ``SLACK``)."""
    if nodes < 1 or in_flight < 0:
        raise ValueError(f"need nodes >= 1 and in_flight >= 0; got nodes={nodes}, in_flight={in_flight}")
    return math.ceil((1 + EPSILON) * (in_flight + 1) / nodes) + (0 if hot else SLACK)


def choose(owner_loads: Sequence[int], total_in_flight: int, nodes: int, hot: bool) -> int:
    """The index of the owner a read goes to first; ``owner_loads`` in ring order (primary first),
    ``total_in_flight`` over all ``nodes`` known (at least the owners), ``hot`` as in capacity."""
    if not owner_loads:
        raise ValueError("a file has at least one owner")
    limit = capacity(total_in_flight, max(nodes, len(owner_loads)), hot)
    least = 0
    for i, load in enumerate(owner_loads):
        if load < limit:
            return i
        if load < owner_loads[least]:
            least = i
    return least


class NodeLoad:
    """This client's reads in flight per node location and per file path, from just before a DoGet
    until its stream ends. One lock guards both counts; :meth:`order` reads them under it, so it
    sees one moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._per_node: Dict[str, int] = {}
        self._per_path: Dict[str, int] = {}

    def started(self, location: str, path: str) -> None:
        with self._lock:
            self._per_node[location] = self._per_node.get(location, 0) + 1
            self._per_path[path] = self._per_path.get(path, 0) + 1

    def finished(self, location: str, path: str) -> None:
        """A read :meth:`started` with these arguments ended, however it ended."""
        with self._lock:
            _decrement(self._per_node, location)
            _decrement(self._per_path, path)

    def in_flight(self, location: str) -> int:
        with self._lock:
            return self._per_node.get(location, 0)

    def reading(self, path: str) -> int:
        with self._lock:
            return self._per_path.get(path, 0)

    def order(self, owners: List[str], path: str, known: Iterable[str]) -> List[str]:
        """``owners`` (ring order) of ``path`` with the owner :func:`choose` picks first, the rest
        after it in ring order."""
        if len(owners) < 2:
            return list(owners)
        nodes = set(known) | set(owners)
        with self._lock:
            total = sum(self._per_node.get(n, 0) for n in nodes)
            loads = [self._per_node.get(o, 0) for o in owners]
            hot = self._per_path.get(path, 0) > 0
        first = choose(loads, total, len(nodes), hot)
        return [owners[first]] + owners[:first] + owners[first + 1:]


def _decrement(counts: Dict[str, int], key: str) -> None:
    count = counts.get(key, 0) - 1
    if count > 0:
        counts[key] = count
    else:
        counts.pop(key, None)


__all__ = ["EPSILON", "SLACK", "NodeLoad", "capacity", "choose"]
