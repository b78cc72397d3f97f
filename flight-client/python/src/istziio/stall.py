"""Stall detection for reads: a stream that delivers nothing for the stall timeout is asked about.

A node may be slow (a cold miss of a large object sends its first batch after the download; a
starved CPU) or frozen (SIGSTOP, a black-holed network: its connections stay open, nothing
answers). When a read has waited ``timeout`` seconds for its next message, the watch pings the
node (ListActions with a deadline of ``min(timeout, 2)`` seconds, on the same connection): a node
that answers is slow and the read waits on; one that does not is given up, its stream cancelled,
and the read goes on at the next owner. The Java client does the same (``IstziioClient``).

The first wait is the DoGet itself: pyarrow's ``do_get`` returns only once the node sent the
schema, gives no handle to cancel the call before that, and ``FlightClient.close()`` does not
end it (checked with pyarrow 25). So :meth:`Wait.open` runs ``do_get`` on a thread of its own
while the read waits, watched like any other wait; a node given up before it answered leaves that
thread parked in gRPC until the node answers or its connection drops (the stream it may then
return is cancelled at once), and the read goes on without it.
"""
from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Callable, Dict, Optional, Set

import pyarrow.flight as flight

from .pool import FlightClientPool

# A ping's longest deadline; shorter when the stall timeout is.
MAX_PING_SECONDS = 2.0
# Codes of a ping that got no answer from the node; any other status is an answer.
_NO_ANSWER = (flight.FlightUnavailableError, flight.FlightTimedOutError, flight.FlightCancelledError)


class Wait:
    """One stream's waits, as the reading thread reports them. Threads: the reading thread calls
    :meth:`open`, :meth:`begin` and :meth:`end`; the watch thread and the ping's answer read and
    change ``since`` and ``stalled`` under the watch's lock, an answer applying only to the wait it
    was asked about (the ``since`` it saw), so a read that got its message meanwhile is never cut.
    ``stream``, ``_call`` and ``_cancelled`` are guarded by the same lock, so that :meth:`cancel`
    from any thread reaches the call or the stream however it races with :meth:`open`."""

    def __init__(self, watch: "StallWatch", location: str):
        self._watch = watch
        self.location = location
        self.stream: Optional[flight.FlightStreamReader] = None
        self.since: Optional[float] = None  # time.monotonic() of the wait under way; None: none
        self.stalled = False
        self.pinging = False
        self._call: Optional[concurrent.futures.Future] = None  # the do_get under way
        self._cancelled = False

    def open(self, do_get: Callable[[], flight.FlightStreamReader]) -> flight.FlightStreamReader:
        """``do_get()``'s stream, waited for as one watched wait (on a thread of its own, see the
        module's note).

        :raises flight.FlightCancelledError: the node was given up (``stalled``) or the read was
            cancelled before the node sent its schema.
        :raises: what ``do_get`` raised."""
        call: concurrent.futures.Future = concurrent.futures.Future()
        with self._watch.lock:
            if self._cancelled:
                raise flight.FlightCancelledError("the read was cancelled")
            self._call = call
            self.since = time.monotonic()
        threading.Thread(target=_complete, args=(call, do_get), daemon=True,
                         name="istziio-do-get").start()
        try:
            stream = call.result()
        except concurrent.futures.CancelledError:
            raise flight.FlightCancelledError(f"{self.location} was given up before it sent "
                                              "the schema") from None
        finally:
            self.end()
        with self._watch.lock:
            self._call = None
            self.stream = stream
            cancelled = self._cancelled
        if cancelled:  # raced with cancel(): the first read of the stream raises CANCELLED
            _cancel_quietly(stream)
        return stream

    def begin(self) -> None:
        with self._watch.lock:
            if not self.stalled:
                self.since = time.monotonic()

    def end(self) -> None:
        with self._watch.lock:
            self.since = None

    def cancel(self) -> None:
        """Ends the wait from any thread: the DoGet still waiting for its schema, else the
        stream."""
        with self._watch.lock:
            self._cancelled = True
            call, stream = self._call, self.stream
        if call is not None:
            call.cancel()  # never running (see _complete): a pending call cancels
        if stream is not None:
            _cancel_quietly(stream)

    def __enter__(self) -> "Wait":
        self._watch.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._watch.remove(self)


def _complete(call: concurrent.futures.Future, do_get: Callable[[], flight.FlightStreamReader]) -> None:
    """Runs ``do_get`` into ``call``. ``call`` is never marked running, so :meth:`Wait.cancel`
    can cancel it while ``do_get`` blocks; a stream that arrives for a cancelled call has no
    reader and is cancelled here."""
    try:
        stream = do_get()
    except BaseException as e:  # handed to the reading thread, unless it gave up
        try:
            call.set_exception(e)
        except concurrent.futures.InvalidStateError:
            pass
        return
    try:
        call.set_result(stream)
    except concurrent.futures.InvalidStateError:
        _cancel_quietly(stream)


def _cancel_quietly(stream: flight.FlightStreamReader) -> None:
    try:
        stream.cancel()
    except Exception:  # the stream already ended
        pass


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

    def watch(self, location: str) -> Wait:
        """A :class:`Wait` for one stream from ``location`` (opened by :meth:`Wait.open`),
        watched while its ``with`` block runs."""
        return Wait(self, location)

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
        wait.cancel()


def _seconds(value: float) -> str:
    return f"{value:g} s"


__all__ = ["StallWatch", "Wait", "MAX_PING_SECONDS"]
