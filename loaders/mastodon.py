"""Mastodon account archive (Preferences > Import and export > Request your archive), as the
zip, its unpacked folder, or ``outbox.json`` alone; plus the CSV follow export.

Follows the archive of Mastodon 3.x-4.x (introduced in v2.3.0; documented in Mastodon's
"Import and export" help and visible in public archives): ``actor.json`` is the owner's
ActivityPub ``Person`` (``id`` ``https://<instance>/users/<name>``, ``preferredUsername``,
``name``); ``outbox.json`` is an ActivityStreams 2.0 ``OrderedCollection`` whose
``orderedItems`` are the owner's activities; ``likes.json`` (and ``bookmarks.json``) are
``OrderedCollection``s of the liked statuses' URLs; ``following_accounts.csv`` (exported
separately, from the Import and export page) has the header ``Account address,Show boosts,
Notify on new posts,Languages`` (older exports: one address per line, no header).

Accounts are named ``user@instance`` (the ego too); an actor URL
``https://inst/users/bob`` or ``https://inst/@bob`` becomes ``bob@inst``.

==========================================  ===============================================
``Create`` of a ``Note`` with ``inReplyTo``  **reply** to the replied status's author (from
                                             its URL; if the URL does not name a user,
                                             e.g. ``/objects/<uuid>``, the first Mention)
``Mention`` tags (``tag[].href``)            **mention** (the reply target is not also a
                                             mention)
``Announce``                                 **share** to the boosted status's author
``likes.json``                               **like** to the liked status's author
``following_accounts.csv``                   **follow** (ego -> them)
==========================================  ===============================================

Times: ``published`` (ISO 8601 with ``Z``). likes.json and the follows CSV carry no time:
those events are dated at the newest ``published`` in the outbox (``undated=skip`` leaves
them out). Replies to oneself (threads) and boosts of one's own posts are self-loops and
are dropped by validation. Toot text is dropped unless ``keep_text=true``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ror_graph.errors import InputError
from ror_graph.loaders import Loader
from ror_graph.loaders import _archive as ar
from ror_graph.model import Dataset

__all__ = ["LOADER", "load", "detect", "account_of"]

_USER_PATH = re.compile(r"/(?:users/|@)([A-Za-z0-9_.\-]+)(?:/|$)")
_ADDRESS = re.compile(r"@?([A-Za-z0-9_.\-]+)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,}|localhost)")


def account_of(url: Any) -> str | None:
    """``https://inst/users/bob/statuses/1`` or ``https://inst/@bob/1`` -> ``bob@inst``;
    ``@bob@inst`` -> ``bob@inst``; None when the text names no account."""
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    if "://" not in text:
        match = _ADDRESS.fullmatch(text)
        return f"{match.group(1)}@{match.group(2).lower()}" if match else None
    try:
        parsed = urlparse(text)
    except ValueError:
        return None
    match = _USER_PATH.match(parsed.path or "")
    if not match or not parsed.hostname:
        return None
    return f"{match.group(1)}@{parsed.hostname.lower()}"


def detect(path: Path, head: bytes) -> bool:
    """A folder/zip with outbox.json and actor.json; or a JSON file that is an outbox."""
    names = {ar.basename(n).lower() for n in ar.member_names(path, head)}
    if {"outbox.json", "actor.json"} <= names:
        return True
    text = head[:4096].decode("utf-8", errors="ignore")
    return path.suffix.lower() == ".json" and '"orderedItems"' in text and "activitystreams" in text


def load(path: Path, *, undated: str | None = None, keep_text: Any = None) -> Dataset:
    """Read a Mastodon archive (zip, folder or outbox.json) into canonical events."""
    undated_mode = ar.choice(undated, ("last", "skip"), name="undated")
    keep = ar.flag(keep_text, name="keep_text")
    with ar.Archive(path) as archive:
        return _load(archive, undated_mode, keep)


def _collection(archive: ar.Archive, name: str) -> tuple[str, list[Any]]:
    label = archive.label(name)
    value = ar.parse_json(archive.text(name), label)
    if not isinstance(value, dict) or not isinstance(value.get("orderedItems"), list):
        raise InputError("should be an ActivityStreams OrderedCollection with an 'orderedItems' list", path=label, field="orderedItems")
    return label, value["orderedItems"]


def _load(archive: ar.Archive, undated: str, keep: bool) -> Dataset:
    reader = _Reader(archive, keep)
    reader.owner()
    reader.outbox()
    reader.likes_and_follows(dated=undated != "skip")
    actors: dict[str, dict[str, str | None]] = {key: {"name": value, "platform": "mastodon"} for key, value in reader.names.items()}
    for key in set(reader.rows.src) | set(reader.rows.dst):
        actors.setdefault(key, {"name": None, "platform": "mastodon"})
    return ar.finish(reader.rows, source=reader.source, what="Mastodon archive", actors=actors, ego=reader.ego, notes=reader.notes)


class _Reader:
    """One pass over an archive: the owner (actor.json), the outbox, likes and follows."""

    def __init__(self, archive: ar.Archive, keep: bool) -> None:
        self.archive, self.keep = archive, keep
        self.source = str(archive.path)
        self.rows = ar.Rows(keep_text=keep)
        self.notes: list[str] = []
        self.names: dict[str, str] = {}
        self.ego: str | None = None

    def owner(self) -> None:
        for name in self.archive.find(r"actor\.json"):
            label = self.archive.label(name)
            actor = ar.parse_json(self.archive.text(name), label)
            if not isinstance(actor, dict):
                raise InputError("should be an ActivityPub actor object", path=label)
            self.ego = account_of(actor.get("id")) or account_of(actor.get("url"))
            if self.ego is None:
                raise InputError(f"cannot tell the account from id {actor.get('id')!r}", path=label, field="id")
            if isinstance(actor.get("name"), str) and actor["name"].strip():
                self.names[self.ego] = actor["name"].strip()

    def outbox(self) -> None:
        """Boosts (share), replies and mentions; other activities are counted in a note."""
        outboxes = self.archive.find(r"outbox\.json")
        if not outboxes:
            raise InputError("no outbox.json found (is this a Mastodon archive?)", path=self.source)
        skipped = 0
        for name in outboxes:
            label, items = _collection(self.archive, name)
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise InputError(f"orderedItems[{index}] should be an activity object", path=label, field="orderedItems")
                skipped += not self._activity(label, index, item)
        if skipped:
            self.notes.append(f"{self.source}: skipped {skipped:,} outbox activit(ies) that are not a reply, mention or boost of someone")

    def _activity(self, label: str, index: int, item: dict[str, Any]) -> bool:
        """Add the rows of one activity; False when it gives no one attention."""
        rows = self.rows
        kind = item.get("type")
        actor = account_of(item.get("actor")) or self.ego
        if self.ego is None:
            self.ego = actor
        obj = item.get("object")
        ts = ar.iso_time(item.get("published")) or (ar.iso_time(obj.get("published")) if isinstance(obj, dict) else None)
        if kind not in ("Create", "Announce"):
            return False
        if actor is None or ts is None:
            bad = "actor" if actor is None else "published"
            raise InputError(f"orderedItems[{index}] ({kind} {item.get('id', '?')}): no readable {bad}", path=label, field=bad)
        activity_id = str(item.get("id") or f"{label}#{index}")
        if kind == "Announce":
            target_url = obj.get("id") if isinstance(obj, dict) else obj
            target = account_of(target_url) or (account_of(obj.get("attributedTo")) if isinstance(obj, dict) else None)
            if target:
                rows.add(actor, target, "share", ts, channel="mastodon:boost", event_id=f"{activity_id}:share")
            return bool(target)
        if not isinstance(obj, dict):
            return False  # a Create of something we cannot read (a bare URL)
        tags = obj.get("tag")
        mentions = []
        for tag in tags if isinstance(tags, list) else []:
            if isinstance(tag, dict) and tag.get("type") == "Mention":
                who = account_of(tag.get("href")) or account_of(tag.get("name"))
                if who:
                    mentions.append(who)
                    if isinstance(tag.get("name"), str):
                        self.names.setdefault(who, tag["name"].strip())
        text = obj.get("content") if self.keep and isinstance(obj.get("content"), str) else None
        reply_to = None
        given = True
        if isinstance(obj.get("inReplyTo"), str) and obj["inReplyTo"].strip():
            reply_to = account_of(obj["inReplyTo"]) or (mentions[0] if mentions else None)
            if reply_to:
                rows.add(actor, reply_to, "reply", ts, channel="mastodon", event_id=f"{activity_id}:reply", text=text)
            else:
                given = False
        for who in dict.fromkeys(mentions):
            if who != reply_to:
                rows.add(actor, who, "mention", ts, channel="mastodon", event_id=f"{activity_id}:mention:{who}", text=text)
        return given

    def likes_and_follows(self, *, dated: bool) -> None:
        """likes.json and following_accounts.csv have no times: dated at the newest post
        (``dated``), or left out."""
        last: datetime | None = self.rows.last_time()
        use = dated and last is not None and self.ego is not None
        undated_rows = 0
        for name in self.archive.find(r"likes\.json"):
            label, items = _collection(self.archive, name)
            for index, item in enumerate(items):
                url = item if isinstance(item, str) else item.get("id") if isinstance(item, dict) else None
                target = account_of(url)
                if target is None:
                    raise InputError(f"orderedItems[{index}]: cannot tell the author of {url!r}", path=label, field="orderedItems")
                if use:
                    self.rows.add(self.ego, target, "like", last, channel="mastodon:likes", event_id=f"like:{url}")  # type: ignore[arg-type]
                    undated_rows += 1
        for name in self.archive.find(r"following_accounts\.csv"):
            label = self.archive.label(name)
            text = self.archive.text(name)
            first = text.lstrip().split("\n", 1)[0]
            if "account address" not in first.lower():
                text = "Account address\n" + text  # older exports: addresses only, no header
            _, records = ar.read_csv_rows(text, label, required=("Account address",))
            for line, record in records:
                target = account_of(ar.column(record, "Account address"))
                if target is None:
                    raise InputError(f"not an account address: {ar.column(record, 'Account address')!r}", path=label, line=line, field="Account address")
                if use:
                    self.rows.add(self.ego, target, "follow", last, channel="mastodon:following", event_id=f"follow:{target}")  # type: ignore[arg-type]
                    undated_rows += 1
        if undated_rows and last is not None:
            self.notes.append(f"{self.source}: {undated_rows:,} like/follow(s) have no times in the export; dated at the last post ({last:%Y-%m-%d})")


LOADER = Loader(
    name="mastodon",
    summary="Mastodon archive (zip or folder: outbox.json, actor.json, likes.json, following_accounts.csv)",
    extensions=(".zip", ".json"),
    detect=detect,
    load=load,
    options={
        "undated": "last (default: date likes/follows at the newest post) or skip",
        "keep_text": "keep toot HTML content in a 'text' column (default false)",
    },
)
