"""Loaders: one module per input format, each turning its format into a canonical
:class:`ror_graph.model.Dataset` (events, actors) and nothing else.

A loader module defines ``LOADER = Loader(...)``; :data:`REGISTRY` lists them in the
order detection tries them. ``ror loaders`` prints this registry.

Example
-------
>>> from ror_graph.loaders import load_events
>>> ds = load_events(["../shared/data/collegemsg/CollegeMsg.txt"])   # doctest: +SKIP
>>> ds.events.height                                                  # doctest: +SKIP
59835
"""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ror_graph.errors import InputError, OptionError
from ror_graph.model import Dataset, combine

__all__ = ["Loader", "REGISTRY", "COMMON_OPTIONS", "get_loader", "detect_loader", "load_events", "read_head"]

#: Options every loader takes (``load_events`` handles them).
COMMON_OPTIONS = {
    "max_unpacked": "how far a gzip file or zip member may unpack, e.g. 8GB "
                    "(default: 200x its size, at least 256 MiB, at most 4 GiB)",
}


@dataclass(frozen=True)
class Loader:
    """A registered input format.

    ``detect(path, head)`` says whether a file looks like this format (``head`` is the first
    few KiB, decompressed if the file is gzip); ``load(path, **options)`` returns a Dataset.
    ``options`` documents the keyword options ``load`` accepts (name -> help text).
    """

    name: str
    summary: str
    extensions: tuple[str, ...]
    detect: Callable[[Path, bytes], bool]
    load: Callable[..., Dataset]
    options: dict[str, str] = field(default_factory=dict)


#: Loader modules, in the order detection tries them (most specific first).
_MODULES = (
    # platform exports (folders and zips first; their detection is specific, and it must run
    # before the generic CSV loader claims LinkedIn's .csv files)
    "x_archive",
    "mastodon",
    "slack",
    "linkedin",
    "email",
    "graphml",
    "higgs",
    "copenhagen",
    "snap_signed",
    "snap_temporal",
    "canonical",
)


def _registry() -> dict[str, Loader]:
    out: dict[str, Loader] = {}
    for module_name in _MODULES:
        module = importlib.import_module(f"ror_graph.loaders.{module_name}")
        loader: Loader = module.LOADER
        out[loader.name] = loader
    return out


REGISTRY: dict[str, Loader] = _registry()


def get_loader(name: str) -> Loader:
    """The registered loader called ``name``; an unknown name is an :class:`OptionError`.

    Example
    -------
    >>> get_loader("canonical").extensions[:2]
    ('.csv', '.tsv')
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise OptionError(f"unknown loader {name!r}; known loaders: {', '.join(REGISTRY)}") from None


def read_head(path: Path, size: int = 8192) -> bytes:
    """The first ``size`` bytes of a file, decompressed when it is gzip."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(2)
        opener = gzip.open if magic == b"\x1f\x8b" else open
        with opener(path, "rb") as handle:  # type: ignore[operator]
            return handle.read(size)
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except IsADirectoryError:
        return b""
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from None


def detect_loader(path: Path) -> Loader:
    """The first registered loader whose ``detect`` accepts the file."""
    if not path.exists():
        raise InputError("no such file", path=str(path))
    head = read_head(path)
    for loader in REGISTRY.values():
        if loader.detect(path, head):
            return loader
    if path.is_dir():
        raise InputError(
            "no export found in this folder; give its event files themselves (e.g. FOLDER/*.csv), "
            "or name the export with loader= (see `ror loaders`)", path=str(path)
        )
    raise InputError(
        "cannot tell the format; name it with loader= (see `ror loaders`)", path=str(path)
    )


def load_events(
    paths: Sequence[str | Path], *, loader: str | None = None, **options: Any
) -> Dataset:
    """Load one or more files into one Dataset, detecting each file's format unless
    ``loader`` names it.

    Parameters
    ----------
    paths : str, Path, or a list of them
        Files, folders or zips; an ``event_id`` seen in an earlier file is dropped and a file
        given twice is read once (both noted in ``Dataset.notes``).
    loader : str, optional
        A name of :data:`REGISTRY` (``ror loaders`` lists them with their options).
    **options
        The loader's options; one it does not take is an :class:`OptionError`. Every loader
        takes ``max_unpacked`` (e.g. ``"8GB"``): how far a zip or gzip input may unpack
        (default: 200 times its size, at least 256 MiB, at most 4 GiB).

    Returns
    -------
    Dataset

    Example
    -------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "events.csv")
    ...     _ = open(path, "w").write("from,to,kind,ts\\nana,bo,reply,2024-05-01\\n")
    ...     load_events([path], column_map={"src": "from", "dst": "to"}).events.height
    1
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]  # one path, not a sequence of one-character paths
    if not paths:
        raise OptionError("no input files given")
    from ror_graph.loaders import _common

    with _common.max_unpacked(options.pop("max_unpacked", None)):
        return _load_all(paths, loader, options)


def _load_all(paths: Sequence[str | Path], loader: str | None, options: dict[str, Any]) -> Dataset:
    datasets = []
    seen: set[Path] = set()
    repeated: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.resolve() in seen:
            repeated.append(str(path))
            continue
        seen.add(path.resolve())
        chosen = get_loader(loader) if loader else detect_loader(path)
        unknown = [k for k, v in options.items() if v is not None and k not in chosen.options]
        if unknown:
            raise OptionError(
                f"loader {chosen.name!r} does not take option(s) {', '.join(unknown)}"
            )
        given = {k: v for k, v in options.items() if v is not None}
        loaded = chosen.load(path, **given)
        if loader is None and path.is_dir():  # a folder may hold more than the export found in it: say which loader read it
            read_as = f"{path}: read as {chosen.name}, {chosen.summary.split(' (')[0]} (detected from the files in it)"
            loaded = replace(loaded, notes=(read_as, *loaded.notes))
        datasets.append(loaded)
    dataset = combine(datasets)
    if repeated:
        note = f"read {', '.join(repeated)} once (given more than once)"
        dataset = replace(dataset, notes=(*dataset.notes, note))
    return dataset
