"""Stall detection for reads: a stream that delivers nothing for the stall timeout is asked about.

A node may be slow (a cold miss of a large object sends its first batch after the download; a
starved CPU) or frozen (SIGSTOP, a black-holed network: its connections stay open, nothing
answers). When a read has waited ``timeout`` seconds for its next message, the watch pings the
node (ListActions with a deadline of ``min(timeout, 2)`` seconds, on the same connection): a node
that answers is slow and the read waits on; one that does not is given up, its stream cancelled,
and the read goes on at the next owner. The Java client does the same (``IstziioClient``).
"""
from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Dict, Optional, Set

import pyarrow.flight as flight

from .pool import FlightClientPool

# A ping's longest deadline; shorter when the stall timeout is.
MAX_PING_SECONDS = 2.0
# Codes of a ping that got no answer from the node; any other status is an answer.
_NO_ANSWER = (flight.FlightUnavailableError, flight.FlightTimedOutError, flight.FlightCancelledError)


class Wait:
    """One stream's waits, as the reading thread reports them. Threads: the reading thread calls
    :meth:`begin` and :meth:`end`; the watch thread and the ping's answer read and change
    ``since`` and ``stalled`` under the watch's lock, an answer applying only to the wait it was
    asked about (the ``since`` it saw), so a read that got its message meanwhile is never cut."""

    def __init__(self, watch: "StallWatch", location: str, stream: flight.FlightStreamReader):
        self._watch = watch
        self.location = location
        self.stream = stream
        self.since: Optional[float] = None  # time.monotonic() of the wait under way; None: none
        self.stalled = False
        self.pinging = False

    def begin(self) -> None:
        with self._watch.lock:
            if not self.stalled:
                self.since = time.monotonic()

    def end(self) -> None:
        with self._watch.lock:
            self.since = None

    def __enter__(self) -> "Wait":
        self._watch.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._watch.remove(self)


class StallWatch:
    """The stall watchdog of one client: a daemon thread looking at the waits under way every
    quarter second (or a quarter of the timeout), and a few daemon threads for the pings, one ping
    per node at a time however many of its streams wait. ``lock`` guards every :class:`Wait`'s
    fields and the set of waits."""

    def __init__(self, pool: FlightClientPool, timeout: float):
        if timeout <= 0:
            raise ValueError(f"the stall timeout must be positive seconds; got {timeout}")
        self.timeout = timeout
        self.ping_seconds = min(timeout, MAX_PING_SECONDS)
        self.lock = threading.Lock()
        self._pool = pool
        self._waits: Set[Wait] = set()
        self._pings: Dict[str, concurrent.futures.Future] = {}
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=4,
                                                               thread_name_prefix="istziio-ping")
        self._closed = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def describe(self) -> str:
        """Why a stalled read gave a node up, for the read's error."""
        return (f"stalled: no data for {_seconds(self.timeout)} and no answer to a ping within "
                f"{_seconds(self.ping_seconds)}")

    def watch(self, location: str, stream: flight.FlightStreamReader) -> Wait:
        """A :class:`Wait` for ``stream``, watched while its ``with`` block runs."""
        return Wait(self, location, stream)

    def add(self, wait: Wait) -> None:
        with self.lock:
            self._waits.add(wait)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="istziio-stall-watch")
                self._thread.start()

    def remove(self, wait: Wait) -> None:
        with self.lock:
            self._waits.discard(wait)

    def close(self) -> None:
        self._closed.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        period = min(0.25, self.timeout / 4)
        while not self._closed.wait(period):
            now = time.monotonic()
            with self.lock:
                due = [(w, w.since) for w in self._waits
                       if w.since is not None and not w.pinging and now - w.since > self.timeout]
                for wait, _ in due:
                    wait.pinging = True
            for wait, since in due:
                try:
                    ping = self._ping(wait.location)
                except RuntimeError:  # closed
                    return
                ping.add_done_callback(lambda answer, w=wait, s=since: self._answer(w, s, answer))

    def _ping(self, location: str) -> concurrent.futures.Future:
        with self.lock:
            ping = self._pings.get(location)
            if ping is None or ping.done():
                ping = self._executor.submit(self._answers, location)
                self._pings[location] = ping
            return ping

    def _answers(self, location: str) -> bool:
        try:
            list(self._pool.get(location).list_actions(self._pool.options(timeout=self.ping_seconds)))
            return True
        except _NO_ANSWER:
            return False
        except Exception:  # any other status: the node answered
            return True

    def _answer(self, wait: Wait, since: float, answer: concurrent.futures.Future) -> None:
        alive = not answer.cancelled() and answer.exception() is None and answer.result()
        with self.lock:
            wait.pinging = False
            if wait.since != since:
                return  # the read got its message meanwhile
            if alive:
                wait.since = time.monotonic()  # slow, not frozen: wait another timeout
                return
            wait.stalled = True
            wait.since = None
        try:
            wait.stream.cancel()
        except Exception:  # the stream ended meanwhile
            pass


def _seconds(value: float) -> str:
    return f"{value:g} s"


__all__ = ["StallWatch", "Wait", "MAX_PING_SECONDS"]
