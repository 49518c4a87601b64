"""The Spark session: master, configuration, and loopback binding for local runs.

Under ``spark-submit`` (the JVM is already running) the master and the settings given to
``spark-submit`` apply, unless ``--spark-master`` names another.

``local[*]`` (the default, or ``$SPARK_MASTER``) runs Spark inside this process's JVM on all
cores. A local master binds every socket to 127.0.0.1 (``SPARK_LOCAL_IP``,
``spark.driver.host``, ``spark.driver.bindAddress``) so nothing listens on the machine's
outward interface; on a cluster master (``spark://``, ``yarn``, ``k8s://``) the driver must be
reachable by the executors, so Spark's own address choice (or ``--spark-conf``) applies.

Defaults that differ from Spark's (each can be overridden with ``--spark-conf KEY=VALUE``):
the session time zone is UTC (times are UTC everywhere in ror-graph), ANSI mode is off (a
division by zero is null, as in polars), local runs use 8 shuffle partitions instead of 200
(small graphs pay for every partition in every PageRank step) and no web UI.

The JVM that pyspark launches writes its own notices to stderr before any log level applies
(the incubator-module warning, log4j's default profile, the native-hadoop warning). They are
dropped, so a run's stderr holds only what ror-graph and Spark's errors say; every other line
of the JVM's stderr is passed through.

Example
-------
>>> spark = spark_session("local[2]")            # doctest: +SKIP
>>> spark.conf.get("spark.sql.session.timeZone")   # doctest: +SKIP
'UTC'
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ror_graph.errors import BackendError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession

__all__ = ["DEFAULT_MASTER", "LOOPBACK", "default_master", "is_local", "one_row", "spark_session"]

DEFAULT_MASTER = "local[*]"
LOOPBACK = "127.0.0.1"

_BASE_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # The driver keeps every query's plan for the status store: iterative jobs make thousands.
    "spark.sql.ui.retainedExecutions": "50",
    "spark.ui.retainedJobs": "200",
    "spark.ui.retainedStages": "200",
}
#: Settings fixed when the session starts (Spark refuses to change them on a running session).
_STATIC = {"spark.sql.ui.retainedExecutions"}
#: Start-up notices of the JVM and of Spark's default log4j profile (substrings of a line).
_START_UP_NOTICES = (
    "WARNING: Using incubator modules",
    "Using Spark's default log4j profile",
    'Setting default log level to "WARN"',
    "To adjust logging level use sc.setLogLevel",
    "NativeCodeLoader: Unable to load native-hadoop library",
)
_LOCAL_CONF = {
    "spark.driver.host": LOOPBACK,
    "spark.driver.bindAddress": LOOPBACK,
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
}


def default_master() -> str:
    """``$SPARK_MASTER`` if set, else ``local[*]``."""
    return os.environ.get("SPARK_MASTER") or DEFAULT_MASTER


def is_local(master: str) -> bool:
    """A master that runs on this machine: ``local[...]`` or a ``spark://`` URL on loopback."""
    return master.startswith(("local", f"spark://{LOOPBACK}:", "spark://localhost:"))


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession for ``master`` with ror-graph's defaults and ``conf`` applied on top.

    Reuses the active session when there is one (tests share one session); its settings are
    then the ones it was started with, except SQL settings, which are applied to it.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise BackendError("the spark backend needs pyspark: pip install 'ror-graph[spark]'") from None
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ and master is None and "SPARK_MASTER" not in os.environ
    master = master or default_master()
    settings = dict(_BASE_CONF)
    if is_local(master) and not submitted:
        os.environ.setdefault("SPARK_LOCAL_IP", LOOPBACK)
        settings.update(_LOCAL_CONF)
    settings.update(conf or {})
    active = SparkSession.getActiveSession()
    if active is not None:
        for key, value in settings.items():
            if key.startswith("spark.sql.") and key not in _STATIC:
                active.conf.set(key, value)
        return active
    builder = SparkSession.builder.appName("ror-graph")
    if not submitted:  # under spark-submit the master comes from spark-submit's --master
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        with _jvm_stderr_filtered():
            spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing, master unreachable: one line for the user
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackendError(f"could not start Spark on {master}: {first}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def _jvm_stderr_filtered() -> Iterator[None]:
    """While the JVM starts, file descriptor 2 is a pipe: the JVM inherits it as its stderr and
    keeps it; a thread copies its lines to this process's stderr, without the start-up notices."""
    try:
        target = os.dup(2)
    except OSError:  # no stderr to filter
        yield
        return
    read_end, write_end = os.pipe()
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)
    threading.Thread(target=_copy_lines, args=(read_end, target), name="spark-jvm-stderr", daemon=True).start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(target, 2)


def _copy_lines(read_end: int, target: int) -> None:
    """Copy lines from ``read_end`` to ``target`` until the JVM closes it, dropping start-up notices."""
    with os.fdopen(read_end, "rb") as lines, os.fdopen(target, "wb", buffering=0) as out:
        for line in lines:
            if not any(notice.encode() in line for notice in _START_UP_NOTICES):
                out.write(line)


def one_row(frame: DataFrame) -> Row:
    """The first row of ``frame``, which must have one: an aggregation without a group-by, or
    the row a query just found. ``BackendError`` (not a ``TypeError`` on ``None``) if it has none.

    >>> one_row(spark.range(3).agg({"id": "sum"}))[0]   # doctest: +SKIP
    3
    """
    row = frame.first()
    if row is None:
        raise BackendError("Spark returned no row where one was expected")
    return row
