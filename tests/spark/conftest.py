"""Spark fixtures: one local[2] SparkSession for the whole test session, and a real standalone
cluster (a master and one worker started from the pyspark install with ``spark-class``).

Everything binds to 127.0.0.1: ``SPARK_LOCAL_IP``, the driver's host and bind address, the
master's and the worker's ``--host``; no test sends traffic anywhere but loopback. A Spark test
that cannot start Spark (no pyspark, no Java) FAILS when ``CI`` is set and skips otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
LOOPBACK = "127.0.0.1"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"Spark tests cannot run: {reason} (CI must not skip them)")
    pytest.skip(f"Spark tests skipped: {reason}")


def _pyspark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        _unavailable("pyspark is not installed (pip install -e '.[test]')")
    return Path(pyspark.__file__).resolve().parent


@pytest.fixture(scope="session")
def spark():
    """The test session's SparkSession (local[2], loopback only, 4 shuffle partitions, a 2 GB
    driver: in local mode the executors' cached tables live in the driver's heap)."""
    _pyspark_home()
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("no Java found (Spark needs Java 17)")
    from ror_graph.backends.spark.session import spark_session
    from ror_graph.errors import BackendError

    try:
        session = spark_session("local[2]", {"spark.sql.shuffle.partitions": "4", "spark.driver.memory": "2g"})
    except BackendError as exc:
        _unavailable(str(exc))
    yield session
    session.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _wait_for_worker(ui_port: int, timeout: float = 180.0) -> None:
    """Poll the master's JSON status page (on loopback) until one worker is ALIVE."""
    import json

    deadline = time.time() + timeout
    last = ""
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://{LOOPBACK}:{ui_port}/json/", timeout=5) as response:
                status = json.load(response)
            if any(w.get("state") == "ALIVE" for w in status.get("workers", [])):
                return
            last = f"{len(status.get('workers', []))} worker(s), none alive"
        except OSError as exc:
            last = str(exc)
        time.sleep(2)
    raise TimeoutError(f"the standalone cluster did not come up in {timeout:.0f} s ({last})")


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory):
    """A standalone Spark cluster on loopback: yields its master URL, stops it afterwards."""
    home = _pyspark_home()
    spark_class = home / "bin" / "spark-class"
    if not spark_class.exists():
        _unavailable(f"{spark_class} is missing from the pyspark install")
    work = tmp_path_factory.mktemp("spark-cluster")
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP=LOOPBACK, SPARK_LOG_DIR=str(work),
               SPARK_WORKER_DIR=str(work / "worker"), SPARK_NO_DAEMONIZE="1")
    port, ui, worker_port, worker_ui = (_free_port() for _ in range(4))
    master_url = f"spark://{LOOPBACK}:{port}"
    procs = []
    logs = [open(work / "master.log", "wb"), open(work / "worker.log", "wb")]  # noqa: SIM115 - closed below
    try:
        procs.append(subprocess.Popen(
            [str(spark_class), "org.apache.spark.deploy.master.Master", "--host", LOOPBACK, "--port", str(port), "--webui-port", str(ui)],
            env=env, stdout=logs[0], stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen(
            [str(spark_class), "org.apache.spark.deploy.worker.Worker", "--host", LOOPBACK, "--port", str(worker_port),
             "--webui-port", str(worker_ui), "--cores", "1", "--memory", "1g", master_url],
            env=env, stdout=logs[1], stderr=subprocess.STDOUT))
        try:
            _wait_for_worker(ui)
        except TimeoutError as exc:
            logs = "\n".join((work / f).read_text(errors="replace")[-2000:] for f in ("master.log", "worker.log"))
            pytest.fail(f"{exc}\n{logs}")
        yield master_url
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
