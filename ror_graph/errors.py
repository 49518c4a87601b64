"""One exception base for everything a user can get wrong.

The CLI turns any :class:`RorGraphError` into a one-line message and exit code 1.

Messages speak the library's terms: a parameter is written ``name=value`` as a Python caller
passes it (``as_of=2024-05-01``, ``prob='wc'``); the CLI turns each ``name=`` that is one of
its options into the flag (``--as-of 2024-05-01``) in one place, ``cli.in_cli_terms``.

Example
-------
>>> str(InputError("not a number", path="events.csv", line=7, field="weight"))
"events.csv:7: field 'weight': not a number"
"""

from __future__ import annotations

__all__ = ["RorGraphError", "InputError", "OptionError", "BackendError", "DataWarning"]


class RorGraphError(Exception):
    """Base class of every error ror-graph raises on purpose."""


class InputError(RorGraphError):
    """Bad input data; the message names the file, the line and the field when known."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path, self.line, self.field, self.reason = path, line, field, message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        elif line is not None:
            where = f"line {line}: "
        what = f"field '{field}': " if field is not None else ""
        super().__init__(f"{where}{what}{message}")


class OptionError(RorGraphError):
    """A parameter value that cannot be used (a bad ``as_of=``, an unknown ``me=``, ...)."""


class BackendError(RorGraphError):
    """A backend (e.g. the Neo4j server) could not be reached or refused the request."""


class DataWarning(UserWarning):
    """Something in the input that bears on the results (the run goes on); the CLI prints it
    as one ``note:`` line on stderr, a notebook shows it as a warning."""
