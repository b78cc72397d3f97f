"""Turns scripts/bench's raw results into results.json, results.md and a PNG per workload.

    bench_report.py RESULTS_DIR LATENCY_MS MBPS
"""
import json
import pathlib
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

WORKLOADS = ["1MB", "100MB", "parallel", "serial"]
TARGETS = {"1MB": 10.0, "100MB": 5.0}  # warm speed-up over the no-cache baseline


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def stats(records):
    values = [r["totalNanos"] / 1e6 for r in records if r["error"] is None]
    return {"count": len(values), "failed": sum(1 for r in records if r["error"] is not None),
            "mean_ms": sum(values) / len(values) if values else float("nan"),
            "p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99)}


def load(path):
    return json.loads(path.read_text()) if path.exists() else []


def main():
    results, latency, mbps = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    report = {"distance": {"latency_ms": float(latency), "mb_per_s": float(mbps)}, "workloads": {}}
    md = ["# istziio end-to-end benchmark", "",
          f"S3 behind a delay proxy: {latency} ms to the first byte of each response, {mbps} MB/s "
          "per connection. (a) = istziio, 3 nodes; (b) = no cache, each object fetched whole and "
          "decoded in the client. Cold = the first request for a file in the replay. Latency in ms, "
          "from the request's arrival in the trace.", ""]
    for workload in WORKLOADS:
        cache, direct = load(results / f"{workload}.json"), load(results / f"{workload}-direct.json")
        if not cache:
            continue
        entry = {}
        md += [f"## {workload}", "", "| requests | (a) mean | (a) p50 | (a) p99 | (b) mean | (b) p50 | (b) p99 | (b)/(a) mean | (b)/(a) p50 | (b)/(a) p99 |",
               "|---|---|---|---|---|---|---|---|---|---|"]
        for part, keep in (("all", lambda r: True), ("cold", lambda r: r["cold"]), ("warm", lambda r: not r["cold"])):
            a = stats([r for r in cache if keep(r)])
            b = stats([r for r in direct if keep(r)])
            ratio = {k: (b[k] / a[k] if a[k] and a[k] == a[k] else float("nan")) for k in ("mean_ms", "p50_ms", "p99_ms")}
            entry[part] = {"istziio": a, "direct": b, "ratio": ratio}
            md.append(f"| {part} ({a['count']}, {a['failed']} failed) | {a['mean_ms']:.1f} | {a['p50_ms']:.1f} | {a['p99_ms']:.1f} "
                      f"| {b['mean_ms']:.1f} | {b['p50_ms']:.1f} | {b['p99_ms']:.1f} "
                      f"| {ratio['mean_ms']:.1f}x | {ratio['p50_ms']:.1f}x | {ratio['p99_ms']:.1f}x |")
        hits = sum(1 for r in cache if r.get("cache") == "hit")
        entry["hit_ratio"] = hits / len(cache)
        if workload in TARGETS:
            warm = entry["warm"]["ratio"]["mean_ms"]
            entry["target_warm_speedup"] = TARGETS[workload]
            md += ["", f"Warm speed-up {warm:.1f}x against the target {TARGETS[workload]:.0f}x: "
                   + ("met." if warm >= TARGETS[workload] else "missed.")]
        md += ["", f"Hit ratio {entry['hit_ratio']:.1%}. ![{workload}]({workload}.png)", ""]
        report["workloads"][workload] = entry
        plot(workload, cache, direct, results / f"{workload}.png")
    for name, title, line in (
            ("streaming", "Hot-hit streaming", lambda r: f"{r['arrow_gb_per_s']} GB/s of Arrow data in one stream; loopback TCP {r['loopback_tcp_gb_per_s']} GB/s; fraction {r['fraction_of_loopback']} (target: 1 GB/s)"),
            ("small", "Small objects (1,000 rows)", lambda r: f"{r['requests_per_s']} DoGets/s with {r['threads']} in flight, {r['failed']} failed (target: 10,000/s)"),
            ("pushdown", "Pushdown, 1% of a sorted ~100 MB file", lambda r: f"{r['pushdown_ms']} ms and {r['pushdown_mb']} MB against {r['full_ms']} ms and {r['full_mb']} MB: {r['time_ratio']}x faster, {r['bytes_ratio']}x fewer bytes (targets 10x, 20x)")):
        path = results / f"{name}.json"
        lines = [l for l in path.read_text().splitlines() if l.startswith("{")] if path.exists() else []
        if lines:
            figures = json.loads(lines[-1])
            report[name] = figures
            md += [f"## {title}", "", line(figures), ""]
    (results / "results.json").write_text(json.dumps(report, indent=2))
    (results / "results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


def plot(workload, cache, direct, target):
    """Latency distribution (CDF) of each mode, cold and warm apart."""
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for records, mode, color in ((cache, "istziio", "tab:blue"), (direct, "no cache", "tab:orange")):
        for cold, style in ((True, "--"), (False, "-")):
            values = sorted(r["totalNanos"] / 1e6 for r in records if r["cold"] == cold and r["error"] is None)
            if values:
                axis.plot(values, [(i + 1) / len(values) for i in range(len(values))], style, color=color,
                          label=f"{mode}, {'cold' if cold else 'warm'} ({len(values)})")
    axis.set_xscale("log")
    axis.set_xlabel("latency, ms (log scale)")
    axis.set_ylabel("fraction of requests")
    axis.set_title(f"{workload} workload")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    main()
