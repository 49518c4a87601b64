"""ror-graph: who is valuable, who gives back, which relationships are fading, whom to nurture next.

The public API, loaded lazily (PEP 562) so that importing the package, and ``ror --help``,
stay instant; heavy libraries load on first use.

Example
-------
>>> import ror_graph as rg
>>> net = rg.read(rg.example_events())          # or rg.read("events.csv"), any loader
>>> rg.nurture_next(net, me="brand", reach=False)["node_id"][0]
'ana'
>>> rg.fading(net, me="brand")["b"][0], rg.stats(net)["nodes"][0]
('ana', 5)

``rg.fading``, ``rg.reciprocity`` and ``rg.stats`` are also the names of engine modules
(``ror_graph.fading``, ...): those modules are callable and call the API function, so both
``rg.fading(net)`` and ``from ror_graph import fading`` keep working.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from ror_graph.errors import BackendError, DataWarning, InputError, OptionError, RorGraphError

#: Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "read": "ror_graph.api",
    "read_dataset": "ror_graph.api",
    "example_events": "ror_graph.api",
    "nurture_next": "ror_graph.api",
    "influencers": "ror_graph.api",
    "referral_reach": "ror_graph.api",
    "Network": "ror_graph.network",
    "Dataset": "ror_graph.model",
    "FadeParams": "ror_graph.fading",
    "NurtureWeights": "ror_graph.nurture",
    "get_backend": "ror_graph.backends",
    "GraphRequest": "ror_graph.backends",
    "write_table": "ror_graph.output",
}
#: API functions that share their name with an engine module: the module is made callable.
_CALLABLE_MODULES = ("fading", "reciprocity", "stats")

__all__ = [
    *_LAZY,
    *_CALLABLE_MODULES,
    "RorGraphError",
    "InputError",
    "OptionError",
    "BackendError",
    "DataWarning",
    "__version__",
]


class _CallableModule(types.ModuleType):
    """An engine module that is also the API function of the same name (``rg.fading(net)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        api = importlib.import_module("ror_graph.api")
        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    """The package object: turns the modules named in ``_CALLABLE_MODULES`` callable as the
    import system attaches them, however they are first imported."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLABLE_MODULES and type(value) is types.ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _CALLABLE_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "__version__":
        from importlib.metadata import version

        return version("ror-graph")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
