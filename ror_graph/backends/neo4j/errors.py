"""The driver's errors as one-line :class:`~ror_graph.errors.BackendError` s, in library terms.

Example
-------
>>> with unfinished("run it again"):
...     raise BackendError("cannot reach Neo4j at bolt://127.0.0.1:1")
Traceback (most recent call last):
...
ror_graph.errors.BackendError: cannot reach Neo4j at bolt://127.0.0.1:1; run it again
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ror_graph.backends.neo4j.settings import Neo4jSettings
from ror_graph.errors import BackendError

__all__ = ["driver_errors", "unfinished", "first_line"]


@contextmanager
def driver_errors(s: Neo4jSettings, what: str) -> Iterator[None]:
    """Turn the driver's errors while ``what`` into one-line :class:`BackendError` s that name
    the server and the variable to set (never echoing the password)."""
    from neo4j import exceptions as ne

    try:
        yield
    except ne.AuthError:
        raise BackendError(
            f"Neo4j at {s.uri} refused user {s.user!r}: wrong user name or password "
            "(set NEO4J_USERNAME / NEO4J_PASSWORD)"
        ) from None
    except ne.ServiceUnavailable as exc:
        text = str(exc)
        reason = "connection refused" if "refused" in text.lower() else first_line(exc)
        raise BackendError(
            f"cannot reach Neo4j at {s.uri} ({reason}); is the server running? (set NEO4J_URI)"
        ) from None
    except ne.Neo4jError as exc:
        code = exc.code or ""
        if code.endswith("DatabaseNotFound"):
            raise BackendError(
                f"Neo4j at {s.uri} has no database {s.database!r} (set NEO4J_DATABASE; "
                "Community Edition has one user database, 'neo4j')"
            ) from None
        message = (exc.message or str(exc)).replace(s.password, "***") if s.password else (exc.message or str(exc))
        raise BackendError(f"Neo4j error while {what}: {code}: {first_line(message)}") from None
    except ne.DriverError as exc:
        raise BackendError(f"Neo4j driver error while {what} ({s.uri}): {first_line(exc)}") from None


@contextmanager
def unfinished(consequence: str) -> Iterator[None]:
    """Add what a failure half-way means (``consequence``) to a BackendError's one line."""
    try:
        yield
    except BackendError as exc:
        raise BackendError(f"{exc}; {consequence}") from None


def first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__
