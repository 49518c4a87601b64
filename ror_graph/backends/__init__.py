"""Graph backends behind one interface (:mod:`ror_graph.backends.base`).

* ``memory`` (default): the input files read into polars tables; :mod:`ror_graph.backends.memory`.
* ``neo4j``: the graph ``ror neo4j load`` stored in a Neo4j server, read back into memory
  (:mod:`ror_graph.backends.neo4j` holds the loads, score writing and shipped queries).
* ``spark``: Apache Spark DataFrames (:mod:`ror_graph.backends.spark`); pyspark is imported
  only when this backend is asked for.

Example
-------
>>> get_backend("memory").name
'memory'
>>> get_backend("dask")
Traceback (most recent call last):
...
ror_graph.errors.OptionError: unknown backend 'dask'; known backends: memory, neo4j, spark
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from ror_graph.backends.base import Analyses, Backend, GraphRequest
from ror_graph.errors import OptionError

__all__ = ["BACKENDS", "get_backend", "Backend", "GraphRequest", "Analyses"]

#: Backend name -> "module:class", imported on first use.
BACKENDS: dict[str, str] = {
    "memory": "ror_graph.backends.memory:MemoryBackend",
    "neo4j": "ror_graph.backends.memory:Neo4jBackend",
    "spark": "ror_graph.backends.spark:SparkBackend",
}


def get_backend(name: str, **settings: Any) -> Backend:
    """The backend called ``name``, configured with ``settings`` (None values are left out).

    Parameters
    ----------
    name : str
        ``memory``, ``neo4j`` or ``spark``.
    **settings
        The backend's own settings, e.g. ``uri=``, ``password=`` for Neo4j.

    Returns
    -------
    Backend
        Call :meth:`Backend.open` with a :class:`GraphRequest` to get its analyses.
    """
    try:
        target = BACKENDS[name]
    except KeyError:
        raise OptionError(f"unknown backend {name!r}; known backends: {', '.join(BACKENDS)}") from None
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    given = {k: v for k, v in settings.items() if v is not None}
    accepted = set(inspect.signature(cls).parameters)
    unknown = sorted(set(given) - accepted)
    if unknown:
        takes = f"it takes {', '.join(sorted(accepted))}" if accepted else "it takes none"
        raise OptionError(f"the {name} backend does not take setting(s) {', '.join(unknown)}; {takes}")
    backend: Backend = cls(**given)
    return backend
