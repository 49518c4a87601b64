"""LinkedIn data export (Settings & Privacy > Data privacy > Get a copy of your data), as the
``Basic_LinkedInDataExport_MM-DD-YYYY.zip``, its unpacked folder, or one of its CSV files.

Follows the export as LinkedIn produced it in 2022-2025 (LinkedIn's help page "Download your
account data" and public examples/parsers of the zip): UTF-8 CSV files (maybe with a BOM),
RFC 4180 quoting.

* ``Connections.csv``: a free-text preamble (``Notes:`` then a quoted paragraph and a blank
  line) before the header ``First Name,Last Name,URL,Email Address,Company,Position,
  Connected On``; ``Connected On`` like ``18 Sep 2024`` (a date, read as midnight UTC).
  Email, Company, Position and even URL may be empty.
* ``messages.csv``: ``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,
  RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER[,IS MESSAGE DRAFT]``; ``DATE`` like
  ``2024-02-09 12:48:50 UTC``. Older exports lack ``RECIPIENT PROFILE URLS``.
* ``Invitations.csv``: ``From,To,Sent At,Message,Direction[,inviterProfileUrl,
  inviteeProfileUrl]``; ``Sent At`` like ``2/9/24, 12:48 PM`` (US locale, UTC);
  ``Direction`` INCOMING or OUTGOING.
* ``Profile.csv``: the owner's ``First Name``/``Last Name`` (to recognise the ego).

Ids: the profile slug of ``https://www.linkedin.com/in/<slug>`` (lowercased), else the full
name. The ego is the profile that takes part in the most messages (LinkedIn's export is
always from the owner's side), else the sender of OUTGOING invitations, else ``me``.

Kinds: a connection is mutual, and the export does not say who asked, so each connection
gives **connect** both ways (ego -> them and them -> ego, weight 1 each) on the connection
date; every message gives **message** from the sender to each recipient; every invitation
gives **invite** from inviter to invitee. Drafts, and messages from deleted accounts
(``LinkedIn Member`` without a profile URL), are skipped and counted in a note.
Message text is dropped unless ``keep_text=true``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ror_graph.errors import InputError
from ror_graph.loaders import Loader
from ror_graph.loaders import _archive as ar
from ror_graph.model import Dataset

__all__ = ["LOADER", "load", "detect"]

_SLUG = re.compile(r"linkedin\.com/in/([^/?#\s]+)", re.I)
_CONNECTIONS = ("First Name", "Last Name", "Connected On")
_MESSAGES = ("FROM", "TO", "DATE")
_INVITATIONS = ("From", "To", "Sent At")
_DELETED = {"linkedin member", ""}


def detect(path: Path, head: bytes) -> bool:
    """A folder/zip holding Connections.csv, messages.csv or Invitations.csv with LinkedIn's
    preamble or header (any CSV may be called messages.csv), and no other platform's files;
    or one of those CSV files by its preamble or header."""
    names = ar.member_names(path, head)
    if names:
        if "outbox.json" in {ar.basename(n).lower() for n in names}:
            return False
        own = [n for n in names if ar.basename(n).lower() in _FILES]
        return any(_looks_linkedin(ar.member_head(path, n)) for n in own[:3])
    return _looks_linkedin(head)


_FILES = ("connections.csv", "messages.csv", "invitations.csv")


def _looks_linkedin(head: bytes) -> bool:
    """Whether a CSV starts like one of LinkedIn's: Connections.csv's preamble or header,
    messages.csv's or Invitations.csv's header."""
    text = head[:4096].decode("utf-8", errors="ignore").lstrip("\ufeff")
    if text.startswith("Notes:") and ("First Name" in text or "connection data" in text):
        return True
    first = text.split("\n", 1)[0].lower()
    return ("first name,last name" in first and "connected on" in first) or first.startswith("conversation id,") or (
        first.startswith("from,to,sent at")
    )


def _slug(url: str) -> str | None:
    match = _SLUG.search(url or "")
    return unquote(match.group(1)).strip().lower() if match else None


def _date(text: str, formats: tuple[str, ...]) -> datetime | None:
    text = text.strip().replace("\u202f", " ")
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return ar.iso_time(text)


def load(path: Path, *, keep_text: Any = None) -> Dataset:
    """Read a LinkedIn export (zip, folder or one CSV) into canonical events."""
    keep = ar.flag(keep_text, name="keep_text")
    with ar.Archive(path) as archive:
        return _load(archive, keep)


def _load(archive: ar.Archive, keep: bool) -> Dataset:
    reader = _Reader(archive, keep)
    connections = reader.connections()  # first: connections teach names -> profile slugs
    messages = reader.messages()
    invitations = reader.invitations()
    ego = reader.owner(invitations)
    return reader.finish(ego, connections, messages, invitations)


class _Reader:
    """One pass over an export: people, connections, messages, invitations, the owner."""

    def __init__(self, archive: ar.Archive, keep: bool) -> None:
        self.archive, self.keep = archive, keep
        self.source = str(archive.path)
        self.notes: list[str] = []
        self.names: dict[str, str] = {}  # id -> display name
        self.by_name: dict[str, str] = {}  # lower name -> id (when a URL was seen with it)
        self.participation: dict[str, int] = {}  # id -> messages sent or received
        self.sender_name: dict[str, str] = {}
        self.files = {key: archive.find(pattern) for key, pattern in (
            ("connections", r"connections\.csv"), ("messages", r"messages\.csv"),
            ("invitations", r"invitations\.csv"), ("profile", r"profile\.csv"))}
        if not any(self.files[k] for k in ("connections", "messages", "invitations")):
            raise InputError("no Connections.csv, messages.csv or Invitations.csv found (is this a LinkedIn export?)", path=self.source)

    def person(self, name: str, url: str) -> str | None:
        """A person's id: the profile slug of ``url``, else the slug seen with ``name``, else the name."""
        slug = _slug(url)
        clean = " ".join(name.split())
        if slug:
            if clean:
                self.names.setdefault(slug, clean)
                self.by_name.setdefault(clean.lower(), slug)
            return slug
        if clean.lower() in _DELETED:
            return None
        return self.by_name.get(clean.lower(), clean)

    def _records(self, key: str, required: tuple[str, ...]) -> Iterator[tuple[str, int, dict[str, str]]]:
        for name in self.files[key]:
            label = self.archive.label(name)
            _, records = ar.read_csv_rows(self.archive.text(name), label, required=required)
            for line, record in records:
                yield label, line, record

    def connections(self) -> list[tuple[str | None, datetime]]:
        out = []
        for label, line, record in self._records("connections", _CONNECTIONS):
            full = f"{ar.column(record, 'First Name')} {ar.column(record, 'Last Name')}".strip()
            who = self.person(full, ar.column(record, "URL"))
            raw = ar.column(record, "Connected On")
            ts = _date(raw, ("%d %b %Y", "%d %B %Y", "%m/%d/%y", "%Y-%m-%d"))
            if ts is None:
                raise InputError(f"cannot read the date {raw!r} (expected like 18 Sep 2024)", path=label, line=line, field="Connected On")
            out.append((who, ts))
        return out

    def messages(self) -> list[tuple[str, list[str], datetime, str | None, str | None, str, int]]:
        out = []
        self.skipped_deleted = self.skipped_drafts = 0
        for label, line, record in self._records("messages", _MESSAGES):
            if ar.column(record, "IS MESSAGE DRAFT").lower() in ("yes", "true"):
                self.skipped_drafts += 1
                continue
            raw = ar.column(record, "DATE")
            ts = _date(raw.replace(" UTC", ""), ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M"))
            if ts is None:
                raise InputError(f"cannot read the date {raw!r} (expected like 2024-02-09 12:48:50 UTC)", path=label, line=line, field="DATE")
            sender = self.person(ar.column(record, "FROM"), ar.column(record, "SENDER PROFILE URL"))
            recipients = [r for r in self._recipients(record) if r]
            if sender is None or not recipients:
                self.skipped_deleted += 1
                continue
            for who in {sender, *recipients}:
                self.participation[who] = self.participation.get(who, 0) + 1
            self.sender_name.setdefault(sender, ar.column(record, "FROM"))
            conv = ar.column(record, "CONVERSATION ID") or None
            text = ar.column(record, "CONTENT") if self.keep else None
            out.append((sender, recipients, ts, conv, text, label, line))
        return out

    def _recipients(self, record: dict[str, str]) -> list[str | None]:
        """TO names paired with RECIPIENT PROFILE URLS when both list the same number of people."""
        urls = [u for u in re.split(r"[,\s]+", ar.column(record, "RECIPIENT PROFILE URLS")) if u]
        if not urls:
            return [self.person(n.strip(), "") for n in ar.column(record, "TO").split(",") if n.strip()]
        to_text = ar.column(record, "TO")
        to_list = [n.strip() for n in to_text.split(",")] if to_text.count(",") + 1 == len(urls) else [""] * len(urls)
        return [self.person(n, u) for n, u in zip(to_list, urls)]

    def invitations(self) -> list[tuple[str | None, str | None, str, datetime, str | None]]:
        out = []
        for label, line, record in self._records("invitations", _INVITATIONS):
            raw = ar.column(record, "Sent At")
            ts = _date(raw, ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y %I:%M %p", "%Y-%m-%d %H:%M:%S"))
            if ts is None:
                raise InputError(f"cannot read the time {raw!r} (expected like 2/9/24, 12:48 PM)", path=label, line=line, field="Sent At")
            direction = ar.column(record, "Direction").upper()
            inviter = self.person(ar.column(record, "From"), ar.column(record, "inviterProfileUrl"))
            invitee = self.person(ar.column(record, "To"), ar.column(record, "inviteeProfileUrl"))
            text = ar.column(record, "Message") if self.keep else None
            out.append((inviter, invitee, direction, ts, text))
        return out

    def owner(self, invitations: list[tuple[str | None, str | None, str, datetime, str | None]]) -> str:
        """Whoever is in the most messages, else the sender of an outgoing invitation, else
        Profile.csv's name, else 'me' (with a note)."""
        ego: str | None = None
        if self.participation:
            ranked = sorted(self.participation.items(), key=lambda kv: (-kv[1], kv[0]))
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                ego = ranked[0][0]
        if ego is None:
            ego = next((inviter for inviter, _, direction, _, _ in invitations if direction == "OUTGOING" and inviter), None)
        if ego is None:
            for _, _, record in self._records("profile", ("First Name", "Last Name")):
                full = f"{ar.column(record, 'First Name')} {ar.column(record, 'Last Name')}".strip()
                ego = self.by_name.get(full.lower(), full) or None
                break
        if ego is None:
            ego = "me"
            self.notes.append(f"{self.source}: cannot tell the export's owner (no messages.csv, Profile.csv or outgoing invitation); calling them 'me'")
        self.names.setdefault(ego, self.sender_name.get(ego, ""))
        return ego

    def finish(self, ego: str, connections: list, messages: list, invitations: list) -> Dataset:
        rows = ar.Rows(keep_text=self.keep)
        no_name = 0
        for who, ts in connections:
            if who is None:
                no_name += 1
                continue
            rows.add(ego, who, "connect", ts, channel="linkedin:connections", event_id=f"li:connect:{ego}>{who}")
            rows.add(who, ego, "connect", ts, channel="linkedin:connections", event_id=f"li:connect:{who}>{ego}")
        for sender, recipients, ts, conv, text, label, line in messages:
            for who in recipients:
                rows.add(sender, who, "message", ts, channel=f"linkedin:{conv}" if conv else "linkedin:messages",
                         event_id=f"li:msg:{label}:{line}:{who}", text=text)
        for inviter, invitee, direction, ts, text in invitations:
            inviter = inviter or (ego if direction == "OUTGOING" else None)
            invitee = invitee or (ego if direction == "INCOMING" else None)
            if inviter is None or invitee is None:
                no_name += 1
                continue
            rows.add(inviter, invitee, "invite", ts, channel="linkedin:invitations", event_id=f"li:invite:{inviter}>{invitee}:{ts.isoformat()}", text=text)
        if self.skipped_deleted or self.skipped_drafts or no_name:
            self.notes.append(
                f"{self.source}: skipped {self.skipped_deleted:,} message(s) from or to deleted accounts, {self.skipped_drafts:,} draft(s), "
                f"{no_name:,} connection/invitation row(s) without a name or URL"
            )
        actors = {key: {"name": self.names.get(key) or None, "platform": "linkedin"} for key in set(rows.src) | set(rows.dst)}
        return ar.finish(rows, source=self.source, what="LinkedIn export", actors=actors, ego=ego, notes=self.notes)


LOADER = Loader(
    name="linkedin",
    summary="LinkedIn data export (zip or folder: Connections.csv, messages.csv, Invitations.csv)",
    extensions=(".zip", ".csv"),
    detect=detect,
    load=load,
    options={"keep_text": "keep message/invitation text in a 'text' column (default false)"},
)
