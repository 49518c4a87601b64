"""Benchmark the Neo4j backend: a first load into an empty database through Neo4j's own bulk
importer (`Neo4jGraph.load(bulk=True)`, `ror neo4j load --bulk`) against the Bolt load (two
partitioned writers), the idempotent rerun, and analysis time against the memory backend, in
one run. Writes benchmarks/results/neo4j_load.md.

    python benchmarks/bench_neo4j.py                      # email-Eu-core-temporal + the dense 1m and 3m logs
    python benchmarks/bench_neo4j.py --synthetic --repeats 5        # email-Eu only

It always starts its own server from neo4j_server/ (a temporary home, removed at the end),
because it empties the database between loads: it never uses NEO4J_URI. Every load starts
from an empty database (emptying it is not timed); the wall time is the whole
`Neo4jGraph.load` call: building the Network and the rows in polars, and then either
writing them over Bolt, or writing the importer's CSV files, the server's stop, import and
restart, and the schema built over the imported graph. Rows (medians over --repeats, the
variants taking turns after one untimed warm-up load):

* first load, bulk import: `load(bulk=True)` into an empty database;
* first load, Bolt, 2 writers: `load(writers=2)`, the batched MERGE transactions
  (docs/neo4j.md, Loading); on a synthetic log --bolt-repeats times, and only up to
  --bolt-events interactions (it is slow);
* rerun over the loaded graph: the same load again over Bolt (MERGE + SET of the same values);
* nurture-next, memory / neo4j backend (email-Eu only): read + build the Network + score.

The synthetic logs are benchmarks/synth.py's dense logs (most relationships carry one or two
events; ten interactions per person), cached in ~/.cache/ror-graph/bench.
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

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ror_graph.backends.neo4j import DEFAULT_BATCH, Neo4jGraph, Neo4jSettings  # noqa: E402
from ror_graph.loaders import load_events  # noqa: E402
from ror_graph.network import Network  # noqa: E402
from ror_graph.nurture import nurture_next  # noqa: E402

EMAIL = "email-eu-core-temporal/email-Eu-core-temporal.txt.gz"
RESULTS = ROOT / "benchmarks" / "results" / "neo4j_load.md"


def synthetic(n_events: int, n_people: int):
    """benchmarks/synth.py's dense log (cached as Parquet), read by the loader."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    path = synth.ensure(n_events, n_people, density="dense", formats=("parquet",))["parquet"]
    return load_events([str(path)])


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads) and of its ended children
    (the importer's JVM), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _empty(graph: Neo4jGraph) -> None:
    """An empty database: what ror-graph wrote, and the indexes it created."""
    graph.wipe()
    for row in graph.run("schema_names"):
        if not str(row["name"]).startswith("ror_"):
            continue
        kind = "CONSTRAINT" if row["name"] in ("ror_person_id", "ror_interaction_key", "ror_load_key") else "INDEX"
        graph._driver.execute_query(f"DROP {kind} {row['name']} IF EXISTS", database_=graph.settings.database)


def _import_seconds(log_path: str) -> str:
    """The last bulk import's own times, from the launcher's log."""
    lines = [line for line in Path(log_path).read_text(errors="replace").splitlines() if line.startswith("NEO4J BULK ok:")]
    return lines[-1].removeprefix("NEO4J BULK ok: ") if lines else ""


def bench(graph: Neo4jGraph, name: str, dataset, args, source: Path | None, server_pid: int,
          log_path: str, small: bool, bolt: bool = True) -> list[dict]:
    net = Network.from_dataset(dataset)
    n_events, n_rels = net.events.height, net.relationships.height
    variants = {"bulk": {"bulk": True}, "bolt": {"writers": 2}}
    repeats = {"bulk": args.repeats, "bolt": args.repeats if small else args.bolt_repeats if bolt else 0}
    seconds: dict[str, list[float]] = {k: [] for k in variants}
    server_cpu: dict[str, list[float]] = {k: [] for k in variants}
    client_cpu: dict[str, list[float]] = {k: [] for k in variants}
    importer = ""
    load_before = _load_average()
    _empty(graph)
    graph.load(dataset, progress=False, bulk=True)  # warm-up (JIT, caches, files), not timed
    for i in range(max(repeats.values())):  # the variants take turns, so a busy spell hits all of them alike
        for key, options in variants.items():
            if i >= repeats[key]:
                continue
            _empty(graph)
            s0, c0 = _cpu_seconds(server_pid), _own_cpu_seconds()
            report = graph.load(dataset, progress=False, batch_size=args.batch_size, **options)
            seconds[key].append(report.seconds)
            server_cpu[key].append(_cpu_seconds(server_pid) - s0)
            client_cpu[key].append(_own_cpu_seconds() - c0)
            assert report.method == ("bulk" if key == "bulk" else "bolt"), report.note
            if key == "bulk":
                importer = _import_seconds(log_path)
    cpu = {k: statistics.median(server_cpu[k]) + statistics.median(client_cpu[k]) for k in variants if seconds[k]}
    bulk_s = statistics.median(seconds["bulk"])
    bolt_s = statistics.median(seconds["bolt"]) if seconds["bolt"] else None
    rerun = median_time(lambda: graph.load(dataset, progress=False, batch_size=args.batch_size), 1) if bolt else None
    load_after = _load_average()

    def row(measure, seconds, note, rates=True, ratio=None, key=None):
        vs_bolt = ratio if ratio is not None else bolt_s / seconds if bolt_s else None
        return {"dataset": name, "measure": measure, "seconds": round(seconds, 2),
                "interactions_per_s": round(n_events / seconds) if rates else None,
                "relationships_per_s": round(n_rels / seconds) if rates else None,
                "vs_bolt": round(vs_bolt, 2) if vs_bolt is not None else None,
                "cpu_s": round(cpu[key], 2) if key else None,
                "server_cpu_s": round(statistics.median(server_cpu[key]), 2) if key else None, "note": note}

    size = f"{n_events:,} interactions, {n_rels:,} relationships, {net.nodes.height:,} people"
    rows = [
        row("first load, bulk import", bulk_s, f"{size}; median of {repeats['bulk']}; last import: {importer}; "
            f"load average before {load_before}, after {load_after}", key="bulk"),
    ]
    if bolt_s is not None and rerun is not None:
        rows += [
            row("first load, Bolt, 2 writers", bolt_s, f"median of {repeats['bolt']}, batch {args.batch_size:,}",
                key="bolt"),
            row("rerun over the loaded graph", rerun, "Bolt: MERGE + SET of the same values, 2 writers"),
        ]
    if small:
        if source is not None:
            memory_s = median_time(lambda: nurture_next(Network.from_dataset(load_events([str(source)]))), args.repeats)
        else:
            memory_s = median_time(lambda: nurture_next(Network.from_dataset(dataset)), args.repeats)
        neo4j_s = median_time(lambda: nurture_next(graph.network()), args.repeats)
        rows += [
            row("nurture-next, memory backend", memory_s, "read input + Network + score", rates=False, ratio=1.0),
            row("nurture-next, neo4j backend", neo4j_s, "read back + Network + score", rates=False,
                ratio=memory_s / neo4j_s),
        ]
    return rows


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
    parser.add_argument("--synthetic", type=int, nargs="*", default=[1_000_000, 3_000_000],
                        help="interactions in each dense synthetic log (benchmarks/synth.py, ten per person; "
                             "none: skip)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bolt-repeats", type=int, default=1, help="Bolt loads of a synthetic log")
    parser.add_argument("--bolt-events", type=int, default=1_000_000,
                        help="Bolt loads only of synthetic logs up to this many interactions (they are slow)")
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
            rows += bench(graph, "email-Eu-core-temporal", load_events([str(email)]), args, email, info.pid,
                          info.log_path, small=True)
            for n_events in args.synthetic:
                rows += bench(graph, f"synthetic dense {n_events:,}", synthetic(n_events, n_events // 10),
                              args, None, info.pid, info.log_path, small=False, bolt=n_events <= args.bolt_events)
    finally:
        server.stop(info)
    load_after = _load_average()
    table = pl.DataFrame(rows)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=220, fmt_str_lengths=70,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, thousands_separator=True):
        print(table)
    header = ["dataset", "measure", "seconds", "interactions/s", "relationships/s", "vs Bolt",
              "CPU s (server + importer + client)", "server + importer CPU s", "note"]
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
        "(other work on the machine shares the cores; each dataset's row gives its own)",
        "- seconds: the whole `Neo4jGraph.load` call (Network and rows in polars, then the writes; for the bulk "
        "import: the CSV files, the server's stop, import and restart, and the schema built over the imported graph)",
        "- CPU s: CPU seconds of the server process (with the importer's JVM, its child) plus this client "
        "process per load (medians)",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" if h in ("dataset", "measure", "note") else "---:" for h in header) + " |",
    ]
    for r in rows:
        values = [r["dataset"], r["measure"], f"{r['seconds']:.2f}",
                  f"{r['interactions_per_s']:,}" if r["interactions_per_s"] is not None else "",
                  f"{r['relationships_per_s']:,}" if r["relationships_per_s"] is not None else "",
                  f"{r['vs_bolt']:.2f}" if r["vs_bolt"] is not None else "",
                  *(f"{r[k]:,}" if r[k] is not None else "" for k in ("cpu_s", "server_cpu_s")),
                  r["note"]]
        lines.append("| " + " | ".join(values) + " |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
