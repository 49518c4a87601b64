"""Higgs Twitter activity stream (SNAP ``higgs-activity_time.txt(.gz)``).

Follows the file as SNAP distributes it (https://snap.stanford.edu/data/higgs-twitter.html;
De Domenico, Lima, Mougel, Musolesi, "The Anatomy of a Scientific Rumor", Sci. Rep. 3, 2980,
2013): one action per line, ``userA userB timestamp interaction``, separated by single spaces,
no header, Unix seconds, interaction one of ``RT`` (retweet), ``MT`` (mention), ``RE`` (reply).

Kinds: RT -> ``share``, MT -> ``mention``, RE -> ``reply``; weight 1.

Direction: ``src = userA``, ``dst = userB`` (userA retweeted / mentioned / replied to userB),
which is already our "src gave attention to dst". Sources: the SNAP page (stored copy at
sparse.tamu.edu/SNAP/higgs-twitter) calls the layers "directional networks ... extracted from
user activities ... re-tweeting, replying, mentioning" but its stored text does not spell out
which column acts; neither do the paper's abstract pages we could read. The data settles it:
in the RT lines there are 228,556 distinct userA but only 41,426 distinct userB, the busiest
userA acts 149 times while one userB (id 88) is the object of 18,977 retweets, 15,687 mentions
and 1,324 replies. That is the signature of userA = the retweeter (many people, a few
retweets each) and userB = the retweeted author (a few hubs), not the reverse. Third-party
readers agree (e.g. robinwersich/DTC-2021-iPregel: "If a user i retweeted a post from user j
... a directed edge from i to j"). The aggregated ``higgs-*_network.edgelist`` files have the
same orientation (each equals this file grouped by (userA, userB)). So no flip is needed.

Self-loops (7,081 mentions and 507 replies of oneself) are dropped by validation and reported
in the notes. The aggregated ``higgs-{retweet,reply,mention}_network.edgelist`` files are
recognised but refused: they have no timestamps (load the activity file instead).

Example
-------
::

    223789 213163 1341100972 MT
    376989 50329 1341101181 RT

>>> from ror_graph.loaders import load_events
>>> ds = load_events(["higgs-activity_time.txt.gz"])               # doctest: +SKIP
>>> ds.events.select("src", "dst", "kind").row(1)                 # doctest: +SKIP
('376989', '50329', 'share')
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ror_graph.errors import InputError
from ror_graph.loaders import Loader, _common
from ror_graph.loaders._common import LINE
from ror_graph.model import Dataset, validate_events

__all__ = ["LOADER", "load", "detect", "INTERACTION_KIND"]

#: The activity file's interaction codes and the canonical kinds they become.
INTERACTION_KIND = {"RT": "share", "MT": "mention", "RE": "reply"}
_NAMES = ("src", "dst", "ts", "interaction")
_LINE_RE = re.compile(r"^\s*\S+[ \t]+\S+[ \t]+\d+(\.\d+)?[ \t]+(RT|MT|RE)\s*$")
_EDGELIST_RE = re.compile(r"higgs-\w+_network\.edgelist", re.IGNORECASE)


def detect(path: Path, head: bytes) -> bool:
    """Four fields per line, the last RT, MT or RE; or a Higgs ``*_network.edgelist`` name."""
    if _EDGELIST_RE.search(path.name):
        return True
    if not _common.is_text(head):
        return False
    lines = _common.data_lines(head)
    return _common.looks_like(lines, _LINE_RE)


def load(path: Path) -> Dataset:
    """Read the Higgs activity stream into canonical events."""
    path = Path(path)
    if _EDGELIST_RE.search(path.name):
        raise InputError(
            "a Higgs *_network.edgelist is the activity stream aggregated by pair, without "
            "timestamps; load higgs-activity_time.txt(.gz) instead",
            path=str(path),
        )
    raw = _common.read_table(path, _NAMES, separator=None, what="a Higgs activity file")
    code = raw["interaction"].str.to_uppercase()
    known = code.is_in(list(INTERACTION_KIND))
    if not known.all():
        row = int((~known).arg_true()[0])
        raise InputError(
            f"unknown interaction {raw['interaction'][row]!r}; expected RT, MT or RE",
            path=str(path),
            line=int(raw[LINE][row]),
            field="interaction",
        )
    frame = raw.select(
        "src",
        "dst",
        code.replace_strict(INTERACTION_KIND, return_dtype=pl.String).alias("kind"),
        _common.seconds_to_ts(raw["ts"], path=path, lines=raw[LINE]),
        LINE,
    )
    return validate_events(frame, source=str(path), first_line=1, line_column=LINE)


LOADER = Loader(
    name="higgs",
    summary="Higgs Twitter activity: userA userB unixts RT|MT|RE (RT=share, MT=mention, RE=reply)",
    extensions=(".txt", ".txt.gz"),
    detect=detect,
    load=load,
    options={},
)
