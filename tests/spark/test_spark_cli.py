"""The spark backend from the command line: bad input gets the memory backend's one-line
errors, and a real standalone cluster (tests/spark/conftest.py) answers like local mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from ror_graph.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "events.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_missing_column_is_the_same_one_line_error(spark, tmp_path):
    bad = tmp_path / "events.csv"
    bad.write_text("src,target,kind,ts\na,b,reply,2024-01-01T00:00:00Z\n")
    memory = one_line_error(run("stats", str(bad)))
    on_spark = one_line_error(run("stats", str(bad), "--backend", "spark", "--spark-master", "local[2]"))
    assert on_spark == memory
    assert "missing column(s) dst" in on_spark and f"{bad}:1:" in on_spark


def test_unreadable_time_is_the_same_one_line_error(spark, tmp_path):
    bad = tmp_path / "events.csv"
    bad.write_text("src,dst,kind,ts\na,b,reply,2024-01-01T00:00:00Z\nb,a,reply,yesterday\n")
    memory = one_line_error(run("reciprocity", str(bad)))
    on_spark = one_line_error(run("reciprocity", str(bad), "--backend", "spark", "--spark-master", "local[2]"))
    assert on_spark == memory
    assert f"{bad}:3: field 'ts': cannot read time 'yesterday'" in on_spark


def test_bad_snap_time_is_the_same_one_line_error(spark, tmp_path):
    bad = tmp_path / "edges.txt"
    bad.write_text("1 2 1082040961\n2 1 soon\n")
    memory = one_line_error(run("stats", str(bad), "--loader", "snap_temporal"))
    on_spark = one_line_error(run("stats", str(bad), "--loader", "snap_temporal", "--backend", "spark", "--spark-master", "local[2]"))
    assert on_spark == memory
    assert "edges.txt:2: field 'ts'" in on_spark


def test_a_fresh_process_prints_only_the_one_line_error(tmp_path):
    """In a new process pyspark starts its own JVM, whose start-up notices (incubator modules,
    log4j profile, native-hadoop) would come before the error: stderr holds the error alone."""
    bad = tmp_path / "events.csv"
    bad.write_text("src,dst,kind,ts\na,b,reply,2024-01-01T00:00:00Z\nb,a,reply,yesterday\n")
    out = tmp_path / "fading.csv"
    done = subprocess.run(
        [sys.executable, "-m", "ror_graph.cli", "fading", str(bad), "--backend", "spark", "--spark-master", "local[1]", "-o", str(out)],
        check=False, capture_output=True, text=True, env=dict(os.environ, SPARK_LOCAL_IP="127.0.0.1"), timeout=600,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert done.stderr.strip().splitlines() == [f"Error: {bad}:3: field 'ts': cannot read time 'yesterday'; use ISO 8601 "
                                                 "(2024-05-01T12:00:00Z) or Unix seconds"], done.stderr
    assert done.stdout == "" and not out.exists()


def test_standalone_cluster_answers_like_the_memory_backend(spark_cluster, tmp_path):
    out = tmp_path / "recip.csv"
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1")
    done = subprocess.run(
        [sys.executable, "-m", "ror_graph.cli", "reciprocity", str(SAMPLE), "--me", "brand", "--backend", "spark",
         "--spark-master", spark_cluster, "--spark-conf", "spark.sql.shuffle.partitions=2", "-o", str(out)],
        check=False, capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    expected = run("reciprocity", str(SAMPLE), "--me", "brand", "--format", "csv")
    memory = pl.read_csv(expected.stdout.encode())
    cluster = pl.read_csv(out)
    assert cluster.columns == memory.columns
    assert cluster["b"].to_list() == memory["b"].to_list()
    assert ((cluster["give"] - memory["give"]).abs() < 1e-9).all()


def test_parquet_output_is_written_by_spark_as_partitioned_files(spark, tmp_path):
    out = tmp_path / "recip.parquet"
    result = run("reciprocity", str(SAMPLE), "--backend", "spark", "--spark-master", "local[2]", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_dir() and list(out.glob("part-*.parquet"))
    written = pl.read_parquet(out / "*.parquet").sort("rank")
    memory = pl.read_csv(run("reciprocity", str(SAMPLE), "--format", "csv").stdout.encode())
    assert written["rank"].to_list() == memory["rank"].to_list()
    assert written["a"].to_list() == memory["a"].to_list() and written["b"].to_list() == memory["b"].to_list()


def test_unknown_ego_in_fading_and_nurture_is_the_same_one_line_error(spark):
    for command in ("fading", "nurture"):
        memory = one_line_error(run(command, str(SAMPLE), "--me", "nobody"))
        on_spark = one_line_error(run(command, str(SAMPLE), "--me", "nobody", "--backend", "spark", "--spark-master", "local[2]"))
        assert on_spark == memory
        assert "unknown id 'nobody'" in on_spark
