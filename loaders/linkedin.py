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
    """A folder/zip with Connections.csv or messages.csv (and no other platform's files), or
    one of those CSV files by its preamble or header."""
    names = {ar.basename(n).lower() for n in ar.member_names(path, head)}
    if names:
        return bool(names & {"connections.csv", "messages.csv", "invitations.csv"}) and "outbox.json" not in names
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
    source = str(archive.path)
    rows = ar.Rows(keep_text=keep)
    notes: list[str] = []
    names: dict[str, str] = {}  # id -> display name
    by_name: dict[str, str] = {}  # lower name -> id (when a URL was seen with it)

    def person(name: str, url: str) -> str | None:
        slug = _slug(url)
        clean = " ".join(name.split())
        if slug:
            if clean:
                names.setdefault(slug, clean)
                by_name.setdefault(clean.lower(), slug)
            return slug
        if clean.lower() in _DELETED:
            return None
        return by_name.get(clean.lower(), clean)

    files = {key: archive.find(pattern) for key, pattern in (
        ("connections", r"connections\.csv"), ("messages", r"messages\.csv"),
        ("invitations", r"invitations\.csv"), ("profile", r"profile\.csv"))}
    if not any(files[k] for k in ("connections", "messages", "invitations")):
        raise InputError("no Connections.csv, messages.csv or Invitations.csv found (is this a LinkedIn export?)", path=source)

    # pass 1: connections teach names -> slugs; messages tell who the ego is
    connections = []
    for name in files["connections"]:
        label = archive.label(name)
        _, records = ar.read_csv_rows(archive.text(name), label, required=_CONNECTIONS)
        for line, record in records:
            full = f"{ar.column(record, 'First Name')} {ar.column(record, 'Last Name')}".strip()
            who = person(full, ar.column(record, "URL"))
            raw = ar.column(record, "Connected On")
            ts = _date(raw, ("%d %b %Y", "%d %B %Y", "%m/%d/%y", "%Y-%m-%d"))
            if ts is None:
                raise InputError(f"cannot read the date {raw!r} (expected like 18 Sep 2024)", path=label, line=line, field="Connected On")
            connections.append((who, ts, label, line))

    messages = []
    participation: dict[str, int] = {}
    sender_name: dict[str, str] = {}
    skipped_deleted = skipped_drafts = 0
    for name in files["messages"]:
        label = archive.label(name)
        _, records = ar.read_csv_rows(archive.text(name), label, required=_MESSAGES)
        for line, record in records:
            if ar.column(record, "IS MESSAGE DRAFT").lower() in ("yes", "true"):
                skipped_drafts += 1
                continue
            raw = ar.column(record, "DATE")
            ts = _date(raw.replace(" UTC", ""), ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M"))
            if ts is None:
                raise InputError(f"cannot read the date {raw!r} (expected like 2024-02-09 12:48:50 UTC)", path=label, line=line, field="DATE")
            sender = person(ar.column(record, "FROM"), ar.column(record, "SENDER PROFILE URL"))
            urls = [u for u in re.split(r"[,\s]+", ar.column(record, "RECIPIENT PROFILE URLS")) if u]
            to_names = [n.strip() for n in ar.column(record, "TO").split(",") if n.strip()] if not urls else []
            if urls:
                to_text = ar.column(record, "TO")
                to_list = [n.strip() for n in to_text.split(",")] if to_text.count(",") + 1 == len(urls) else [""] * len(urls)
                recipients = [person(n, u) for n, u in zip(to_list, urls)]
            else:
                recipients = [person(n, "") for n in to_names]
            recipients = [r for r in recipients if r]
            if sender is None or not recipients:
                skipped_deleted += 1
                continue
            for who in {sender, *recipients}:
                participation[who] = participation.get(who, 0) + 1
            sender_name.setdefault(sender, ar.column(record, "FROM"))
            conv = ar.column(record, "CONVERSATION ID") or None
            text = ar.column(record, "CONTENT") if keep else None
            messages.append((sender, recipients, ts, conv, text, label, line))

    ego: str | None = None
    if participation:
        ranked = sorted(participation.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            ego = ranked[0][0]
    invitations = []
    for name in files["invitations"]:
        label = archive.label(name)
        _, records = ar.read_csv_rows(archive.text(name), label, required=_INVITATIONS)
        for line, record in records:
            raw = ar.column(record, "Sent At")
            ts = _date(raw, ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y %I:%M %p", "%Y-%m-%d %H:%M:%S"))
            if ts is None:
                raise InputError(f"cannot read the time {raw!r} (expected like 2/9/24, 12:48 PM)", path=label, line=line, field="Sent At")
            direction = ar.column(record, "Direction").upper()
            inviter = person(ar.column(record, "From"), ar.column(record, "inviterProfileUrl"))
            invitee = person(ar.column(record, "To"), ar.column(record, "inviteeProfileUrl"))
            if ego is None and direction == "OUTGOING" and inviter:
                ego = inviter
            text = ar.column(record, "Message") if keep else None
            invitations.append((inviter, invitee, direction, ts, text, label, line))
    if ego is None:
        for name in files["profile"]:
            label = archive.label(name)
            _, records = ar.read_csv_rows(archive.text(name), label, required=("First Name", "Last Name"))
            for _, record in records:
                full = f"{ar.column(record, 'First Name')} {ar.column(record, 'Last Name')}".strip()
                ego = by_name.get(full.lower(), full) or None
                break
    if ego is None:
        ego = "me"
        notes.append(f"{source}: cannot tell the export's owner (no messages.csv, Profile.csv or outgoing invitation); calling them 'me'")
    names.setdefault(ego, sender_name.get(ego, ""))

    no_name = 0
    for who, ts, label, line in connections:
        if who is None:
            no_name += 1
            continue
        rows.add(ego, who, "connect", ts, channel="linkedin:connections", event_id=f"li:connect:{ego}>{who}")
        rows.add(who, ego, "connect", ts, channel="linkedin:connections", event_id=f"li:connect:{who}>{ego}")
    for index, (sender, recipients, ts, conv, text, label, line) in enumerate(messages):
        for who in recipients:
            rows.add(sender, who, "message", ts, channel=f"linkedin:{conv}" if conv else "linkedin:messages",
                     event_id=f"li:msg:{label}:{line}:{who}", text=text)
    for inviter, invitee, direction, ts, text, label, line in invitations:
        inviter = inviter or (ego if direction == "OUTGOING" else None)
        invitee = invitee or (ego if direction == "INCOMING" else None)
        if inviter is None or invitee is None:
            no_name += 1
            continue
        rows.add(inviter, invitee, "invite", ts, channel="linkedin:invitations", event_id=f"li:invite:{inviter}>{invitee}:{ts.isoformat()}", text=text)
    if skipped_deleted or skipped_drafts or no_name:
        notes.append(
            f"{source}: skipped {skipped_deleted:,} message(s) from or to deleted accounts, {skipped_drafts:,} draft(s), "
            f"{no_name:,} connection/invitation row(s) without a name or URL"
        )
    actors = {key: {"name": names.get(key) or None, "platform": "linkedin"} for key in set(rows.src) | set(rows.dst)}
    return ar.finish(rows, source=source, what="LinkedIn export", actors=actors, ego=ego, notes=notes)


LOADER = Loader(
    name="linkedin",
    summary="LinkedIn data export (zip or folder: Connections.csv, messages.csv, Invitations.csv)",
    extensions=(".zip", ".csv"),
    detect=detect,
    load=load,
    options={"keep_text": "keep message/invitation text in a 'text' column (default false)"},
)
