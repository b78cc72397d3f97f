"""Which owner of a file a read goes to first, by load: consistent hashing with bounded loads
(Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018,
arXiv:1608.01350, 2016), the rule of the Java client's ``OwnerChoice``.

Every node has the capacity ``C = ceil((1 + EPSILON) * (m + 1) / n) + SLACK``, where ``m`` is this
client's reads in flight over the ``n`` nodes it knows (its nodes and the file's owners) and the
``+ 1`` is the read being placed. The read goes to the first owner in ring order holding fewer than
``C`` reads; when every owner is full, to the least loaded (the first in ring order on a tie). The
other owners follow in ring order: they are the failover order. A file read one at a time thus
always goes to its primary (cold files are cached once); a file read by many at once spreads over
its owners, which fill read-through on their first read."""
from __future__ import annotations

import math
import threading
from typing import Dict, Iterable, List, Sequence

EPSILON = 0.25  # the paper's c = 1 + EPSILON: a node holds at most ~25% above the mean...
SLACK = 1  # ...plus one read, so a read or two of other files do not move a cold file


def capacity(in_flight: int, nodes: int) -> int:
    """``ceil((1 + EPSILON) * (in_flight + 1) / nodes) + SLACK``: the reads a node may hold before
    the next read moves on. ``in_flight``: reads on all ``nodes`` (>= 1) before this one."""
    if nodes < 1 or in_flight < 0:
        raise ValueError(f"need nodes >= 1 and in_flight >= 0; got nodes={nodes}, in_flight={in_flight}")
    return math.ceil((1 + EPSILON) * (in_flight + 1) / nodes) + SLACK


def choose(owner_loads: Sequence[int], total_in_flight: int, nodes: int) -> int:
    """The index of the owner a read goes to first; ``owner_loads`` in ring order (primary first),
    ``total_in_flight`` over all ``nodes`` known (at least the owners)."""
    if not owner_loads:
        raise ValueError("a file has at least one owner")
    limit = capacity(total_in_flight, max(nodes, len(owner_loads)))
    least = 0
    for i, load in enumerate(owner_loads):
        if load < limit:
            return i
        if load < owner_loads[least]:
            least = i
    return least


class NodeLoad:
    """This client's reads in flight per node location, from just before a DoGet until its stream
    ends. One lock guards the counts; :meth:`order` reads them all under it, so it sees one moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: Dict[str, int] = {}

    def started(self, location: str) -> None:
        with self._lock:
            self._in_flight[location] = self._in_flight.get(location, 0) + 1

    def finished(self, location: str) -> None:
        """A read :meth:`started` on ``location`` ended, however it ended."""
        with self._lock:
            count = self._in_flight.get(location, 0) - 1
            if count > 0:
                self._in_flight[location] = count
            else:
                self._in_flight.pop(location, None)

    def in_flight(self, location: str) -> int:
        with self._lock:
            return self._in_flight.get(location, 0)

    def order(self, owners: List[str], known: Iterable[str]) -> List[str]:
        """``owners`` (ring order) with the owner :func:`choose` picks first, the rest after it in
        ring order."""
        if len(owners) < 2:
            return list(owners)
        nodes = set(known) | set(owners)
        with self._lock:
            total = sum(self._in_flight.get(n, 0) for n in nodes)
            loads = [self._in_flight.get(o, 0) for o in owners]
        first = choose(loads, total, len(nodes))
        return [owners[first]] + owners[:first] + owners[first + 1:]


__all__ = ["EPSILON", "SLACK", "NodeLoad", "capacity", "choose"]
