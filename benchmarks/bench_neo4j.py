"""Benchmark the Neo4j backend: first-load throughput into an empty database (one writer, as the
loader used to, against the partitioned concurrent writers), the idempotent rerun, and analysis
time against the memory backend, in one run. Writes benchmarks/results/neo4j_load.md.

    python benchmarks/bench_neo4j.py                      # email-Eu-core-temporal + 2M synthetic
    python benchmarks/bench_neo4j.py --synthetic 0 --repeats 5

It always starts its own server from neo4j_server/ (a temporary home, removed at the end),
because it wipes the database between loads: it never uses NEO4J_URI. Rows (medians over
--repeats; each load starts from an empty database, the wipe is not timed):

* first load, W writer(s): `Neo4jGraph.load(writers=W)` after one untimed warm-up load, the
  variants taking turns in each repeat; wall time including the Python side
  (polars aggregation, packing) and the server. One writer is the loader as it was (batches
  one after another); two writers write relationship partitions that share no person at the
  same time (docs/neo4j.md, Loading).
* first load, aggregates only: the same without the interaction lists.
* rerun over the loaded graph: the same load again (MERGE + SET of the same values).
* nurture-next, memory / neo4j backend: read + build the Network + score.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ror_graph.backends.neo4j import DEFAULT_BATCH, Neo4jGraph, Neo4jSettings  # noqa: E402
from ror_graph.loaders import load_events  # noqa: E402
from ror_graph.model import validate_events  # noqa: E402
from ror_graph.network import Network  # noqa: E402
from ror_graph.nurture import nurture_next  # noqa: E402

EMAIL = "email-eu-core-temporal/email-Eu-core-temporal.txt.gz"
RESULTS = ROOT / "benchmarks" / "results" / "neo4j_load.md"


def synthetic(n_events: int, n_people: int, seed: int = 0):
    """A heavy-tailed log: Zipf-like activity, each person talking to a few dozen others."""
    rng = np.random.default_rng(seed)
    src = (rng.pareto(1.2, n_events) * 50).astype(np.int64) % n_people
    offset = (rng.pareto(1.0, n_events) * 3).astype(np.int64) % 40 + 1
    dst = (src + offset * 7919) % n_people
    ts = np.sort(rng.integers(1_600_000_000, 1_600_000_000 + 365 * 86400, n_events))
    kinds = rng.choice(["message", "reply", "like", "share"], n_events, p=[0.4, 0.3, 0.2, 0.1])
    raw = pl.DataFrame({"src": src.astype(str), "dst": dst.astype(str), "kind": kinds, "ts": ts})
    return validate_events(raw, source=f"synthetic-{n_events}")


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def bench(graph: Neo4jGraph, name: str, dataset, repeats: int, source: Path | None, batch_size: int,
          server_pid: int) -> list[dict]:
    net = Network.from_dataset(dataset)
    n_events, n_rels = net.events.height, net.relationships.height
    cpu: dict[str, float] = {}
    variants = {"one": {"writers": 1}, "two": {"writers": 2}, "agg": {"writers": 2, "aggregates_only": True}}
    seconds: dict[str, list[float]] = {k: [] for k in variants}
    server_cpu: dict[str, list[float]] = {k: [] for k in variants}
    client_cpu: dict[str, list[float]] = {k: [] for k in variants}
    graph.wipe()
    graph.load(dataset, progress=False, batch_size=batch_size)  # warm-up (JIT, caches), not timed
    for _ in range(repeats):  # the variants take turns, so a busy spell hits all of them alike
        for key, options in variants.items():
            graph.wipe()  # each load starts from an empty database; the wipe is not timed
            s0, c0 = _cpu_seconds(server_pid), _own_cpu_seconds()
            seconds[key].append(graph.load(dataset, progress=False, batch_size=batch_size, **options).seconds)
            server_cpu[key].append(_cpu_seconds(server_pid) - s0)
            client_cpu[key].append(_own_cpu_seconds() - c0)
    for key in variants:  # CPU time does not count other processes' work; wall time does
        cpu[key] = statistics.median(server_cpu[key]) + statistics.median(client_cpu[key])
        cpu[key + "_server"] = statistics.median(server_cpu[key])
    one, two, aggregates = (statistics.median(seconds[k]) for k in variants)
    rerun = median_time(lambda: graph.load(dataset, progress=False, batch_size=batch_size), 1)
    if source is not None:
        memory_s = median_time(lambda: nurture_next(Network.from_dataset(load_events([str(source)]))), repeats)
    else:
        memory_s = median_time(lambda: nurture_next(Network.from_dataset(dataset)), repeats)
    neo4j_s = median_time(lambda: nurture_next(graph.network()), repeats)

    def row(measure, seconds, note, rates=True, ratio=None, key=None):
        return {"dataset": name, "measure": measure, "seconds": round(seconds, 2),
                "interactions_per_s": round(n_events / seconds) if rates else None,
                "relationships_per_s": round(n_rels / seconds) if rates else None,
                "vs_one_writer": round(ratio if ratio is not None else one / seconds, 2),
                "cpu_s": round(cpu[key], 2) if key else None,
                "server_cpu_s": round(cpu[key + "_server"], 2) if key else None,
                "relationships_per_2_cpu_s": round(2 * n_rels / cpu[key]) if key else None, "note": note}

    size = f"{n_events:,} interactions, {n_rels:,} relationships, {net.nodes.height:,} people"
    return [
        row("first load, 1 writer (before)", one, f"{size}; median of {repeats}, batch {batch_size:,}", key="one"),
        row("first load, 2 writers", two, f"median of {repeats}", key="two"),
        row("first load, 2 writers, aggregates only", aggregates, "no interaction lists", key="agg"),
        row("rerun over the loaded graph", rerun, "MERGE + SET of the same values, 2 writers"),
        row("nurture-next, memory backend", memory_s, "read input + Network + score" if source else
            "Network + score (data in memory)", rates=False, ratio=1.0),
        row("nurture-next, neo4j backend", neo4j_s, "read back + Network + score", rates=False,
            ratio=memory_s / neo4j_s),
    ]


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "ror_graph/backends/neo4j", "cypher"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + (" (with uncommitted changes to the backend)" if dirty else "")
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("ROR_SHARED_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--synthetic", type=int, default=2_000_000, help="interactions in the synthetic log (0: skip)")
    parser.add_argument("--people", type=int, default=400_000, help="people in the synthetic log")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="rows per UNWIND transaction")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file (Markdown)")
    args = parser.parse_args()

    spec = importlib.util.spec_from_file_location("ror_neo4j_server", ROOT / "neo4j_server" / "server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)  # type: ignore[union-attr]
    load_before = _load_average()
    started = datetime.now(timezone.utc)
    info = server.start(timeout=300, http_port=0, guide=False)
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            codec = f"neo4j-rust-ext {version('neo4j-rust-ext')}"
        except PackageNotFoundError:
            codec = "pure-Python packstream"
        rows: list[dict] = []
        settings = Neo4jSettings(uri=info.uri, user=info.user, password=info.password)
        with Neo4jGraph(settings) as graph:
            neo4j = f"Neo4j {graph.version} {graph.edition}"
            email = args.data / EMAIL
            rows += bench(graph, "email-Eu-core-temporal", load_events([str(email)]), args.repeats, email,
                          args.batch_size, info.pid)
            if args.synthetic:
                data = synthetic(args.synthetic, args.people)
                rows += bench(graph, f"synthetic {args.synthetic:,}", data, args.repeats, None, args.batch_size,
                              info.pid)
    finally:
        server.stop(info)
    load_after = _load_average()
    table = pl.DataFrame(rows)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=220, fmt_str_lengths=70,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, thousands_separator=True):
        print(table)
    header = ["dataset", "measure", "seconds", "interactions/s", "relationships/s", "vs 1 writer", "CPU s (server + client)",
              "server CPU s", "relationships per 2 CPU-s", "note"]
    lines = [
        "# Neo4j load benchmark",
        "",
        f"Written by `python benchmarks/bench_neo4j.py {' '.join(sys.argv[1:])}`".rstrip() + ".",
        "",
        f"- commit: {_commit()}",
        f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"{neo4j} (128 MiB page cache, 1 GiB heap) on the same machine; driver with {codec}",
        f"- load average (1, 5, 15 min) before: {load_before}; after: {load_after} "
        "(other work on the machine shares the cores; single runs vary with it)",
        "- CPU s: CPU seconds of the server process plus this client process per load (medians); "
        "'relationships per 2 CPU-s' = 2 x relationships / CPU s, the rate the two cores would allow "
        "if the load had them to itself and kept both busy (an upper bound; a busy machine does not change it much)",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" if h in ("dataset", "measure", "note") else "---:" for h in header) + " |",
    ]
    for r in rows:
        values = [r["dataset"], r["measure"], f"{r['seconds']:.2f}",
                  f"{r['interactions_per_s']:,}" if r["interactions_per_s"] is not None else "",
                  f"{r['relationships_per_s']:,}" if r["relationships_per_s"] is not None else "",
                  f"{r['vs_one_writer']:.2f}",
                  *(f"{r[k]:,}" if r[k] is not None else "" for k in ("cpu_s", "server_cpu_s", "relationships_per_2_cpu_s")),
                  r["note"]]
        lines.append("| " + " | ".join(values) + " |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
