"""The shipped Cypher files (``ror_graph.cypher``): each one statement with a header of purpose,
``// :param name => example`` lines (Browser syntax), ``// Reading:`` (what the result means)
and ``// Columns:``.

Example
-------
>>> sorted(queries())[:3]
['clear_nurture_next', 'community_nurture_next', 'community_reciprocity']
>>> coerce_param(get_query("give_get_balance"), "person", "0042")
'0042'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ror_graph.backends.neo4j.errors import driver_errors
from ror_graph.errors import OptionError

if TYPE_CHECKING:
    from ror_graph.backends.neo4j.graph import Neo4jGraph

__all__ = ["Query", "queries", "get_query", "coerce_param", "evaluate_examples"]


@dataclass(frozen=True)
class Query:
    """One ``.cypher`` file: its statement and the header (purpose, ``:param`` examples, columns)."""

    name: str
    text: str
    purpose: str
    params: dict[str, str]  # name -> example value, as a Cypher literal (Browser's :param syntax)
    columns: tuple[str, ...]
    reading: str = ""  # one line on what the result means (the Browser guide shows it)


_PARAM = re.compile(r"^//\s*:param\s+([A-Za-z_]\w*)\s*=>\s*(.+?)\s*;?\s*$")
_COLUMNS = re.compile(r"^//\s*Columns:\s*(.*?)\s*$", re.IGNORECASE)
_PURPOSE = re.compile(r"^//\s*Purpose:\s*(.*?)\s*$", re.IGNORECASE)
_READING = re.compile(r"^//\s*Reading:\s*(.*?)\s*$", re.IGNORECASE)


def _parse_query(name: str, source: str) -> Query:
    purpose: list[str] = []
    reading: list[str] = []
    params: dict[str, str] = {}
    columns: tuple[str, ...] = ()
    body: list[str] = []
    current: list[str] | None = None  # the header entry that a continuation line extends
    for line in source.splitlines():
        stripped = line.strip()
        if not body and stripped.startswith("//"):
            if m := _PURPOSE.match(stripped):
                purpose.append(m.group(1))
                current = purpose
            elif m := _READING.match(stripped):
                reading.append(m.group(1))
                current = reading
            elif m := _PARAM.match(stripped):
                params[m.group(1)] = m.group(2)
                current = None
            elif m := _COLUMNS.match(stripped):
                text = m.group(1)
                columns = () if text.startswith("(") else tuple(c.strip() for c in text.split(",") if c.strip())
                current = None
            elif current is not None:
                current.append(stripped.lstrip("/").strip())
            continue
        if stripped or body:
            body.append(line)
    return Query(name=name, text="\n".join(body).strip(), purpose=" ".join(purpose), params=params, columns=columns,
                 reading=" ".join(reading))


@lru_cache(maxsize=1)
def queries() -> dict[str, Query]:
    """Every shipped query, by name (the file name without ``.cypher``)."""
    out: dict[str, Query] = {}
    for entry in sorted(resources.files("ror_graph.cypher").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".cypher"):
            name = entry.name[: -len(".cypher")]
            out[name] = _parse_query(name, entry.read_text(encoding="utf-8"))
    return out


def get_query(name: str) -> Query:
    """The shipped query ``name``; an :class:`OptionError` listing the names if unknown."""
    try:
        return queries()[name]
    except KeyError:
        raise OptionError(f"unknown query {name!r}; see `ror neo4j queries` ({', '.join(queries())})") from None


def coerce_param(query: Query, name: str, value: str) -> Any:
    """A ``--param name=value`` string, typed like the query's example value (a string
    example keeps the text as is, so ids such as ``"0042"`` stay strings)."""
    example = query.params.get(name)
    if example is None:
        raise OptionError(
            f"query {query.name!r} has no parameter {name!r}; it takes: {', '.join(query.params) or 'none'}"
        )
    kind = example.strip()
    if kind[:1] in ('"', "'"):
        return value
    if kind in ("true", "false"):
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise OptionError(f"parameter {name!r} of query {query.name!r} must be true or false, got {value!r}")
    if value.lower() == "null":
        return None
    if re.fullmatch(r"-?\d+", kind):
        try:
            return int(value)
        except ValueError:
            raise OptionError(f"parameter {name!r} of query {query.name!r} must be an integer, got {value!r}") from None
    if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", kind, re.IGNORECASE):
        try:
            return float(value)
        except ValueError:
            raise OptionError(f"parameter {name!r} of query {query.name!r} must be a number, got {value!r}") from None
    try:
        return json.loads(value)
    except ValueError:
        return value


def evaluate_examples(graph: Neo4jGraph, query: Query) -> dict[str, Any]:
    """The query's ``:param`` example values, evaluated by the server as Browser would
    (the literals come from the shipped file, never from user input)."""
    out: dict[str, Any] = {}
    for name, literal in query.params.items():
        with driver_errors(graph.settings, f"evaluating the example of ${name} in {query.name}"):
            records = graph._driver.execute_query(f"RETURN {literal} AS v", database_=graph.settings.database).records
        out[name] = records[0]["v"]
    return out
