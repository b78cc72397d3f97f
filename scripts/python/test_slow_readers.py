"""Slow readers of a disk-tier file cost the node a bounded amount of memory, and the node gives it
back when they leave (issue 11). A real node process (`scripts/istziio-node`, `--memory-size 0`, so
every read is scanned from its disk copy) serves a ~128 MB ISTZIO 100MB-shaped file written by
`istziio gen-data` to READERS readers that each take one batch a second, then cancel.

Measured from /proc for the node's pid: RssAnon, the anonymous part of its resident set (what the
node holds privately: Java heap, direct buffers, Arrow's native allocations), is what the bounds
are on. VmRSS and Pss are printed too: the scans map the cached file, and RSS counts its page-cache
pages once per open mapping (sixteen scans of one file: up to sixteen times the file), where Pss
counts each page once.

The readers connect with gRPC's BDP probing off: with it on (pyarrow's default), gRPC may grow a
loopback stream's window until the client holds tens of batches in its own process (80 for one
lone reader here), so the node waits on the window, and spools, only after as many seconds; with
it off, after about 15 batches (the sockets' buffers).
"""
import json
import pathlib
import subprocess
import sys
import threading
import time

import pyarrow.flight as flight
import pytest

from conftest import HOME, node_process

READERS = 16
# A stream whose client makes it wait 500 ms for a batch spools its remaining rows to disk and
# closes its native scanner (StreamSpool; one drain at a time). Before that, while the drains queue,
# each reader holds what the scanner decoded ahead: the README's transient, 24-81 MiB measured.
PEAK_PER_READER_MIB = 120
# Once every stream is spooled, a reader holds one batch (1 MiB, --batch-bytes) in the node's Java
# buffers (Arrow's count: 1 MiB per reader) and no native memory. RssAnon also shows what the
# allocators kept after the drains' transient (Netty's pool, which held gRPC's copies of the
# batches queued before the spool; glibc's arenas; the heap): measured 5.3, 7.1 and 13.9 MiB per
# reader, the last on a machine running CI beside it.
SPOOLED_PER_READER_MIB = 24
# Once all are spooled, the readers go on while the heap the drains grew goes back (G1's periodic
# GC, every 15 s), then they are watched for HELD_SECONDS.
SETTLE_HEAP_SECONDS = 20
HELD_SECONDS = 5
AFTER_MIB = 128  # how close to its baseline the node's RssAnon comes back (measured 5-81 MiB)
# Freed native batches are unmapped at once (scripts/istziio-node's allocator settings); the heap
# that grew goes back at G1's next periodic GC (15 s).
SETTLE_SECONDS = 60
MIB = 1 << 20

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def memory(pid):
    """The process's resident set in MiB: VmRSS, RssAnon, RssFile (/proc/PID/status), Pss."""
    out = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(line.split()[1]) // 1024
    for line in pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            out["Pss"] = int(line.split()[1]) // 1024
    return out


def node_stats(client):
    """The node's stats action, as a dict."""
    body = next(iter(client.do_action(flight.Action("stats", b"")))).body.to_pybytes()
    return json.loads(body)


def native_mib(client):
    """The node's Arrow Dataset native allocations (the stats action's nativeAllocatedBytes)."""
    return node_stats(client)["nativeAllocatedBytes"] / MIB


def wait_for(condition, seconds):
    """Polls condition until it holds (True) or seconds pass (False)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_slow_readers_hold_a_bounded_share_and_give_it_back(tmp_path_factory):
    data = tmp_path_factory.mktemp("big")
    subprocess.run([str(HOME / "scripts" / "istziio"), "gen-data", "--out", str(data),
                    "--shape", "100MB", "--files", "1"], check=True, stdout=subprocess.DEVNULL)
    path = next(data.glob("*.parquet"))
    ticket = flight.Ticket(json.dumps({"path": path.as_uri()}).encode())
    with node_process(data, tmp_path_factory, "--memory-size", "0") as (location, process):
        pid = process.pid
        client = flight.connect(location)
        for _ in range(2):  # downloads it into the cache, then a warm scan
            assert client.do_get(ticket).read_all().num_rows == 650_000
        assert wait_for(lambda: native_mib(client) == 0, 30), "the warm-up scans held native memory"
        before = memory(pid)

        started = threading.Barrier(READERS + 1, timeout=60)
        done = threading.Event()
        taken = []
        errors = []

        def slow_reader():
            try:
                reader = flight.connect(location, generic_options=[("grpc.http2.bdp_probe", 0)]) \
                    .do_get(ticket)
                reader.read_chunk()
                started.wait()
                batches = 1
                while not done.wait(1):  # one batch a second until the figures are taken
                    reader.read_chunk()
                    batches += 1
                taken.append(batches)
                reader.cancel()
            except Exception as e:  # reported below, with the figures
                errors.append(repr(e))
                started.abort()

        threads = [threading.Thread(target=slow_reader) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        try:
            started.wait()
        except threading.BrokenBarrierError:
            pass  # a reader failed: its error is asserted below
        peak = dict(before)
        peak_native = 0.0

        def sample():
            nonlocal peak_native
            now = memory(pid)
            for key, value in now.items():
                peak[key] = max(peak[key], value)
            peak_native = max(peak_native, native_mib(client))
            return now

        # While the drains queue, each waiting reader holds its scanner's read-ahead.
        all_spooled = False
        deadline = time.monotonic() + 120
        while not errors and time.monotonic() < deadline:
            sample()
            if node_stats(client)["spooledStreams"] >= READERS:
                all_spooled = True
                break
            time.sleep(0.25)
        held = dict(before)
        held_native = 0.0
        if all_spooled:
            time.sleep(SETTLE_HEAP_SECONDS)
            watched = time.monotonic() + HELD_SECONDS
            while time.monotonic() < watched:
                for key, value in sample().items():
                    held[key] = max(held[key], value)
                held_native = max(held_native, native_mib(client))
                time.sleep(0.25)
        spool_mib = node_stats(client)["spoolBytes"] / MIB
        done.set()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        assert len(taken) == READERS and min(taken) > 1, taken

        def per_reader(top):
            return {key: (top[key] - before[key]) / READERS for key in top}

        figures = (f"{READERS} slow readers: before {before}; while draining: peak {peak}, per reader "
                   + ", ".join(f"{k} {v:.1f} MiB" for k, v in per_reader(peak).items())
                   + f", native peak {peak_native:.0f} MiB; all spooled: held {held}, per reader "
                   + ", ".join(f"{k} {v:.1f} MiB" for k, v in per_reader(held).items())
                   + f", native {held_native:.0f} MiB, spool {spool_mib:.0f} MiB on disk; "
                   + f"batches taken {min(taken)}-{max(taken)}")
        print(figures)
        assert all_spooled, f"not every stream spooled within 120 s: {figures}"
        assert per_reader(peak)["RssAnon"] <= PEAK_PER_READER_MIB, figures
        assert held_native == 0, f"spooled streams still held native memory: {figures}"
        assert per_reader(held)["RssAnon"] <= SPOOLED_PER_READER_MIB, figures

        left = time.monotonic()
        settled = wait_for(lambda: native_mib(client) == 0
                           and node_stats(client)["spoolBytes"] == 0
                           and memory(pid)["RssAnon"] <= before["RssAnon"] + AFTER_MIB,
                           SETTLE_SECONDS)
        after = f"after {time.monotonic() - left:.0f} s: {memory(pid)}"
        print(after)
        assert settled, (f"RssAnon not back within {AFTER_MIB} MiB of the baseline, or spool files "
                         f"left, in {SETTLE_SECONDS} s: {figures}; {after}")
