"""Benchmark the Neo4j backend: load throughput against the naive way, and analysis time
against the memory backend, in one run.

    python benchmarks/bench_neo4j.py                      # email-Eu-core-temporal + 3M synthetic
    python benchmarks/bench_neo4j.py --synthetic 1000000 --repeats 3

Uses the server in NEO4J_URI (NEO4J_USERNAME / NEO4J_PASSWORD / NEO4J_DATABASE), else starts
one from neo4j_server/ for the run. The database is WIPED. Prints a table (medians over
--repeats) on stdout:

* load: `Neo4jGraph.load` (batched UNWIND + MERGE, one [:INTERACTS] per relationship, the
  interactions as lists on it): interactions/s and relationships/s, wall time including the
  Python side (polars aggregation, packing) and the server.
* aggregates only: `Neo4jGraph.load(aggregates_only=True)`, the same without the interaction
  lists (what the Browser queries need; --backend neo4j refuses such a graph).
* naive: the same statement with one row per transaction, timed on a sample of --naive-rows
  relationships and EXTRAPOLATED to all of them (running it in full would take too long).
* analysis: nurture-next for the whole community, memory backend (read the file, build the
  Network, score) against the neo4j backend (read the graph back, build the Network, score).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ror_graph.backends.neo4j import DEFAULT_BATCH, Neo4jGraph, Neo4jSettings, relationship_frame  # noqa: E402
from ror_graph.loaders import load_events  # noqa: E402
from ror_graph.model import validate_events  # noqa: E402
from ror_graph.network import Network  # noqa: E402
from ror_graph.nurture import nurture_next  # noqa: E402

EMAIL = "email-eu-core-temporal/email-Eu-core-temporal.txt.gz"


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


def naive_seconds(graph: Neo4jGraph, dataset, sample: int) -> tuple[float, int]:
    """One transaction per relationship row, on `sample` rows; (seconds per row, rows timed)."""
    rows = relationship_frame(Network.from_dataset(dataset)).head(sample).to_dicts()
    start = time.perf_counter()
    for row in rows:
        graph.run("load_relationships", {"rows": [row]}, write=True)
    return (time.perf_counter() - start) / len(rows), len(rows)


def bench(
    graph: Neo4jGraph, name: str, dataset, repeats: int, naive_rows: int, source: Path | None, batch_size: int
) -> list[dict]:
    net = Network.from_dataset(dataset)
    n_events, n_rels = net.events.height, net.relationships.height

    def fresh_loads(**options) -> float:  # each on an empty database; the wipe is not timed
        seconds = []
        for _ in range(repeats):
            graph.wipe()
            seconds.append(graph.load(dataset, progress=False, batch_size=batch_size, **options).seconds)
        return statistics.median(seconds)

    aggregates_s = fresh_loads(aggregates_only=True)
    load_s = fresh_loads()
    rerun_s = median_time(lambda: graph.load(dataset, progress=False, batch_size=batch_size), 1)  # idempotent rerun
    per_row, timed = naive_seconds(graph, dataset, naive_rows)
    graph.load(dataset, replace=True, progress=False)
    if source is not None:
        memory_s = median_time(lambda: nurture_next(Network.from_dataset(load_events([str(source)]))), repeats)
    else:
        memory_s = median_time(lambda: nurture_next(Network.from_dataset(dataset)), repeats)
    neo4j_s = median_time(lambda: nurture_next(graph.network()), repeats)
    naive_total = per_row * n_rels
    return [
        {"dataset": name, "measure": "load (batched UNWIND)", "seconds": load_s,
         "interactions_per_s": n_events / load_s, "relationships_per_s": n_rels / load_s, "ratio": 1.0,
         "note": f"{n_events:,} interactions, {n_rels:,} relationships, median of {repeats}, batch {batch_size:,}"},
        {"dataset": name, "measure": "load, aggregates only", "seconds": aggregates_s,
         "interactions_per_s": n_events / aggregates_s, "relationships_per_s": n_rels / aggregates_s,
         "ratio": aggregates_s / load_s, "note": f"no interaction lists, median of {repeats}"},
        {"dataset": name, "measure": "rerun over loaded graph", "seconds": rerun_s,
         "interactions_per_s": n_events / rerun_s, "relationships_per_s": n_rels / rerun_s, "ratio": rerun_s / load_s,
         "note": "MERGE + SET of the same properties"},
        {"dataset": name, "measure": "naive, one query per row", "seconds": naive_total,
         "interactions_per_s": n_events / naive_total, "relationships_per_s": 1 / per_row, "ratio": naive_total / load_s,
         "note": f"EXTRAPOLATED from {timed:,} rows"},
        {"dataset": name, "measure": "nurture-next, memory backend", "seconds": memory_s,
         "interactions_per_s": None, "relationships_per_s": None, "ratio": 1.0,
         "note": "read input + Network + score" if source else "Network + score (data already in memory)"},
        {"dataset": name, "measure": "nurture-next, neo4j backend", "seconds": neo4j_s,
         "interactions_per_s": None, "relationships_per_s": None, "ratio": neo4j_s / memory_s,
         "note": "read back from Neo4j + Network + score"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("ROR_SHARED_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--synthetic", type=int, default=3_000_000, help="interactions in the synthetic log (0: skip)")
    parser.add_argument("--people", type=int, default=200_000, help="people in the synthetic log")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-rows", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="rows per UNWIND transaction")
    args = parser.parse_args()

    server = None
    if not os.environ.get("NEO4J_URI"):
        spec = importlib.util.spec_from_file_location("ror_neo4j_server", ROOT / "neo4j_server" / "server.py")
        server = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(server)  # type: ignore[union-attr]
        info = server.start(timeout=240)
        os.environ.update(info.env())
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            codec = f"neo4j-rust-ext {version('neo4j-rust-ext')}"
        except PackageNotFoundError:
            codec = "pure Python (pip install neo4j-rust-ext for a faster client)"
        print(f"# driver packstream: {codec}; {os.cpu_count()} cores", file=sys.stderr)
        rows: list[dict] = []
        with Neo4jGraph(Neo4jSettings.resolve()) as graph:
            print(f"# Neo4j {graph.version} {graph.edition} at {graph.settings.uri}", file=sys.stderr)
            email = args.data / EMAIL
            rows += bench(graph, "email-Eu-core-temporal", load_events([str(email)]), args.repeats, args.naive_rows,
                          email, args.batch_size)
            if args.synthetic:
                data = synthetic(args.synthetic, args.people)
                rows += bench(graph, f"synthetic {args.synthetic:,}", data, max(1, args.repeats - 2), args.naive_rows, None,
                              args.batch_size)
            graph.wipe()
    finally:
        if server is not None:
            server.stop(info)
    table = pl.DataFrame(rows)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=60, float_precision=2,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, thousands_separator=True):
        print(table)


if __name__ == "__main__":
    main()
