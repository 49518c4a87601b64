"""Spark local[2] against the memory backend, same input, same run.

For each size (synthetic logs from ``benchmarks/synth.py``, Parquet), each backend runs in its
own child process whose whole process tree (Python and, for Spark, the JVM that holds the
driver and the local executors) is sampled for peak resident memory. Steps, timed apart:

* ``read + events``: read the Parquet file, validate, cut at as_of, weight and decay;
* ``relationships``, ``ties``: the derived tables (group-bys, the answer window);
* ``reciprocity``: the per-relationship give/get table, collected;
* ``pagerank xK``: K power-iteration steps (``--iterations``; the memory backend's full
  convergence to 1e-10 takes ~100 steps on these logs, timed as ``pagerank (converged)``).

Spark's stage breakdown (tasks, executor time, input, shuffle read/write per step) comes from
Spark's own REST API on 127.0.0.1 (the UI is bound to loopback for the run). It is the base of
the sizing extrapolation in docs/scale.md.

Usage::

    python benchmarks/bench_spark.py --sizes 1m,10m --iterations 10
    python benchmarks/bench_spark.py --sizes small --iterations 3 --out /tmp/spark.md   # quick

Writes benchmarks/results/spark.md (commit, date, load average: other jobs may be running).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


def _run_child(args: list[str]) -> tuple[dict, int]:
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, SPARK_LOCAL_IP="127.0.0.1"))
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed with {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1]), peak[0]


# --- children -------------------------------------------------------------------------------


def _child_memory(path: str, iterations: int) -> dict:
    from ror_graph.loaders import load_events

    from ror_graph.influence import _power_iteration
    from ror_graph.network import Network
    from ror_graph.reciprocity import relationship_reciprocity

    steps: dict[str, float] = {}
    t = time.perf_counter()
    net = Network.from_dataset(load_events([path]))
    steps["read + events"] = time.perf_counter() - t
    for name, work in [
        ("relationships", lambda: net.relationships),
        ("ties", lambda: net.ties),
        ("reciprocity", lambda: relationship_reciprocity(net)),
        (f"pagerank x{iterations}", lambda: _power_iteration(net, 0.85, None, "strength", 0.0, iterations)),
        ("pagerank (converged)", lambda: _power_iteration(net, 0.85, None, "strength", 1e-10, 1000)),
    ]:
        t = time.perf_counter()
        work()
        steps[name] = time.perf_counter() - t
    return {"steps": steps, "events": net.events.height, "nodes": net.n, "relationships": net.relationships.height}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _child_spark(path: str, iterations: int, driver_memory: str) -> dict:
    from ror_graph.backends.base import GraphRequest
    from ror_graph.backends.spark import graph as algo
    from ror_graph.backends.spark.analyses import SparkAnalyses
    from ror_graph.backends.spark.read import read_events
    from ror_graph.backends.spark.session import spark_session
    from ror_graph.backends.spark.tables import SparkGraph

    port = _free_port()
    t = time.perf_counter()
    spark = spark_session("local[2]", {"spark.ui.enabled": "true", "spark.ui.port": str(port),
                                       "spark.driver.memory": driver_memory, "spark.sql.shuffle.partitions": "8"})
    start = time.perf_counter() - t
    sc = spark.sparkContext
    steps: dict[str, float] = {"start Spark": start}

    def timed(name, work):
        sc.setJobGroup(name, name)
        t0 = time.perf_counter()
        result = work()
        steps[name] = time.perf_counter() - t0
        return result

    request = GraphRequest(sources=(path,))
    graph = timed("read + events", lambda: SparkGraph.build(spark, read_events(spark, request)[0], as_of=None,
                                                             half_life="60d", kind_weights={}))
    analyses = SparkAnalyses(graph)
    n_rel = timed("relationships", lambda: graph.relationships.count())
    timed("ties", lambda: graph.ties.count())
    timed("reciprocity", lambda: analyses.reciprocity())
    timed(f"pagerank x{iterations}", lambda: algo.pagerank(graph.nodes, graph.strength_edges(), max_iter=iterations, tol=0.0).count())
    stages = _stage_breakdown(port, sc.applicationId)
    result = {"steps": steps, "events": graph.n_events, "nodes": graph.n, "relationships": n_rel, "stages": stages}
    spark.stop()
    return result


def _stage_breakdown(port: int, app: str) -> dict[str, dict[str, float]]:
    """Per job group (step): stages, tasks, executor seconds, input and shuffle bytes."""
    base = f"http://127.0.0.1:{port}/api/v1/applications/{app}"
    with urllib.request.urlopen(f"{base}/jobs") as response:
        jobs = json.load(response)
    with urllib.request.urlopen(f"{base}/stages") as response:
        stages = {s["stageId"]: s for s in json.load(response)}
    out: dict[str, dict[str, float]] = {}
    for job in jobs:
        group = job.get("jobGroup") or "other"
        row = out.setdefault(group, {"jobs": 0, "stages": 0, "tasks": 0, "executor_s": 0.0, "input_mb": 0.0,
                                     "shuffle_read_mb": 0.0, "shuffle_write_mb": 0.0})
        row["jobs"] += 1
        for sid in job.get("stageIds", []):
            stage = stages.get(sid)
            if stage is None or stage.get("status") != "COMPLETE":
                continue
            row["stages"] += 1
            row["tasks"] += stage.get("numTasks", 0)
            row["executor_s"] += stage.get("executorRunTime", 0) / 1000
            row["input_mb"] += stage.get("inputBytes", 0) / 1e6
            row["shuffle_read_mb"] += stage.get("shuffleReadBytes", 0) / 1e6
            row["shuffle_write_mb"] += stage.get("shuffleWriteBytes", 0) / 1e6
    return out


# --- report -----------------------------------------------------------------------------------


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1m,10m", help="synth.py sizes, comma-separated")
    parser.add_argument("--density", default="sparse")
    parser.add_argument("--iterations", type=int, default=10, help="PageRank steps timed on both backends")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--out", default=str(HERE / "results" / "spark.md"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        backend, path = args.child[0], args.child[1]
        result = _child_memory(path, args.iterations) if backend == "memory" else _child_spark(path, args.iterations, args.driver_memory)
        print(json.dumps(result))
        return 0
    import synth

    load_before = os.getloadavg()
    rows = []
    for size in args.sizes.split(","):
        n_events, n_people = synth.size_of(size)
        path = str(synth.ensure(n_events, n_people, density=args.density)["parquet"])
        for backend in ("memory", "spark"):
            t = time.perf_counter()
            result, peak = _run_child([backend, path, "--iterations", str(args.iterations), "--driver-memory", args.driver_memory])
            wall = time.perf_counter() - t
            rows.append({"size": size, "backend": backend, "wall": wall, "peak_gb": peak / 1e9, **result})
            print(f"{size} {backend}: {wall:.1f} s, peak {peak / 1e9:.2f} GB, {result['steps']}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    Path(args.out).write_text(_report(rows, args, load_before, load_after))
    Path(args.out).with_suffix(".json").write_text(json.dumps(rows, indent=1, default=str))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _report(rows: list[dict], args, load_before, load_after) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Spark local[2] against the memory backend",
        "",
        (f"Written by `python benchmarks/bench_spark.py --sizes {args.sizes} --iterations {args.iterations}` "
        f"on {when}, commit {_git('rev-parse', '--short', 'HEAD')}, {os.cpu_count()} cores. "
        f"Load average {load_before[0]:.1f} before and {load_after[0]:.1f} after: five other helpers were running "
        "tests and benchmarks on the same 2 cores, so every time here is inflated, Spark's most (it runs more "
        "threads and many small jobs)."),
        "",
        (f"Input: synthetic {args.density} logs (`benchmarks/synth.py`), Parquet. Peak memory: resident bytes of the "
        "child process tree (Spark: the Python driver plus the JVM holding the driver and the local executors; "
        f"driver memory {args.driver_memory})."),
        "",
        "## Wall time per step (seconds)",
        "",
    ]
    steps = []
    for row in rows:
        for name in row["steps"]:
            if name not in steps:
                steps.append(name)
    lines.append("| size | backend | events | people | relationships | " + " | ".join(steps) + " | process wall | peak GB |")
    lines.append("|" + "---|" * (7 + len(steps)))
    for row in rows:
        cells = [f"{row['steps'][s]:.1f}" if s in row["steps"] else "-" for s in steps]
        lines.append(f"| {row['size']} | {row['backend']} | {row['events']:,} | {row['nodes']:,} | {row['relationships']:,} | "
                     + " | ".join(cells) + f" | {row['wall']:.1f} | {row['peak_gb']:.2f} |")
    lines += ["", "## Spark stage breakdown per step", "",
              "| size | step | jobs | stages | tasks | executor s | input MB | shuffle read MB | shuffle write MB |",
              "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        for step, s in (row.get("stages") or {}).items():
            lines.append(f"| {row['size']} | {step} | {s['jobs']} | {s['stages']} | {s['tasks']} | {s['executor_s']:.1f} | "
                         f"{s['input_mb']:.1f} | {s['shuffle_read_mb']:.1f} | {s['shuffle_write_mb']:.1f} |")
    lines += _extrapolation(rows, args.iterations)
    lines.append("")
    return "\n".join(lines)


def _extrapolation(rows: list[dict], iterations: int) -> list[str]:
    """Shuffle bytes per event per step at the largest Spark size, scaled to 100M and 1B events."""
    spark_rows = [r for r in rows if r["backend"] == "spark" and r.get("stages")]
    if not spark_rows:
        return []
    largest = max(spark_rows, key=lambda r: r["events"])
    per_event = largest["events"]
    lines = ["", "## Extrapolation (not measured): shuffle per step at 100M and 1B events", "",
             (f"Linear in events from the {largest['size']} run ({per_event:,} events). PageRank: per step "
             f"(the measured {iterations} steps divided by {iterations}); ~100 steps reach the 1e-10 tolerance. "
             "Partitions: shuffle / 128 MB."), "",
             "| step | shuffle MB measured | MB per 1M events | 100M events: shuffle GB | partitions | 1B events: shuffle GB | partitions |",
             "|---|---|---|---|---|---|---|"]
    for step, st in largest["stages"].items():
        if step == "other":
            continue
        mb = max(st["shuffle_write_mb"], st["shuffle_read_mb"])
        per_step = step.startswith("pagerank")
        if per_step:
            mb /= iterations
        per_million = mb / per_event * 1e6
        name = f"{step.split(' x')[0]} (one step)" if per_step else step
        cells = []
        for events in (1e8, 1e9):
            gb = per_million * events / 1e6 / 1e3
            cells += [f"{gb:,.1f}", f"{max(1, round(gb * 1e3 / 128)):,}"]
        lines.append(f"| {name} | {mb:,.1f} | {per_million:,.1f} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
