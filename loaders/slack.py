"""Slack workspace export (Workspace settings > Import/Export Data > Export), as the zip or
its unpacked folder.

Follows the export layout Slack documents in "How to read Slack data exports"
(slack.com/help/articles/220556107) and that public schemas of it show: ``users.json``
(list of users: ``id``, ``name``, ``real_name``, ``deleted``, ``is_bot``, ``profile``),
``channels.json`` (public channels: ``id``, ``name``, ``members``), optionally
``groups.json`` (private channels), ``dms.json`` and ``mpims.json`` (direct and group
messages, Business+/Enterprise exports: ``id``, ``members``, ``name`` for mpims), and one
folder per conversation (channel name, or the DM id) holding one ``YYYY-MM-DD.json`` per day:
a list of messages with ``type: "message"``, ``user``, ``ts`` (Unix seconds as text,
``"1705312345.000200"``, UTC), optional ``subtype``, ``thread_ts``, ``parent_user_id``,
``reactions`` (``name``, ``users``, ``count``) and ``<@U123>`` mentions in ``text``.

Who gave attention to whom (a channel message is addressed to a room, not a person):

* a thread reply (``thread_ts`` != ``ts``) -> **reply** to the thread's author
  (``parent_user_id``, else the author of the thread's first message);
* ``<@U...>`` in the text -> **mention** of that user (the replied-to author is not also
  mentioned);
* each user in a message's ``reactions`` -> **reaction** to the message's author;
* a direct message -> **message** to the other member; a group DM (mpim) -> **message** to
  each other member with weight 1/(members - 1);
* a plain channel message that is none of these is **skipped** by default: fanning it out
  to every member would swamp the graph with n^2 weak edges. ``channel_messages=previous``
  instead counts it as **message** to the author of the previous message in the same
  channel when that came less than an hour earlier (turn-taking in a conversation).

Skipped subtypes: joins/leaves, topic/purpose/name changes, bot messages, pins, tombstones.
People are named by their Slack handle (``name``; option ``ids=id`` for the ``U...`` ids);
users missing from users.json (deleted from the directory, or other workspaces) keep
their id. Day files are read one at a time; only compact rows are kept (text only with
``keep_text=true``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ror_graph.errors import InputError
from ror_graph.loaders import Loader
from ror_graph.loaders import _archive as ar
from ror_graph.model import Dataset

__all__ = ["LOADER", "load", "detect"]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_SKIP_SUBTYPES = {
    "channel_join", "channel_leave", "group_join", "group_leave", "channel_topic", "channel_purpose",
    "channel_name", "group_topic", "group_purpose", "group_name", "bot_message", "pinned_item",
    "unpinned_item", "tombstone", "channel_archive", "channel_unarchive", "reminder_add",
    "bot_add", "bot_remove", "message_deleted",
}
_TURN_SECONDS = 3600.0


def detect(path: Path, head: bytes) -> bool:
    """A folder/zip with users.json and channels.json at its top."""
    names = {n.lower() for n in ar.member_names(path, head)}
    roots = [n[: -len("users.json")] for n in names if n == "users.json" or n.endswith("/users.json")]
    return any(f"{r}channels.json" in names or f"{r}dms.json" in names or f"{r}groups.json" in names for r in roots)


def _ts(value: Any) -> datetime | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if seconds != seconds or abs(seconds) > 1e11:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def load(path: Path, *, ids: str | None = None, channel_messages: str | None = None, keep_text: Any = None) -> Dataset:
    """Read a Slack export (zip or folder) into canonical events."""
    ids_mode = ar.choice(ids, ("name", "id"), name="ids")
    plain = ar.choice(channel_messages, ("skip", "previous"), name="channel_messages")
    keep = ar.flag(keep_text, name="keep_text")
    with ar.Archive(path) as archive:
        return _load(archive, ids_mode, plain, keep)


def _list_file(archive: ar.Archive, name: str) -> list[dict[str, Any]]:
    label = archive.label(name)
    value = ar.parse_json(archive.text(name), label)
    if not isinstance(value, list):
        raise InputError(f"should be a JSON list, found {type(value).__name__}", path=label)
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputError(f"entry {index} should be an object, found {type(item).__name__}", path=label)
    return value


def _load(archive: ar.Archive, ids: str, plain: str, keep: bool) -> Dataset:
    source = str(archive.path)
    found = sorted((n for n in archive.names if ar.basename(n).lower() == "users.json"), key=lambda n: (n.count("/"), n))
    if not found:
        raise InputError("no users.json (is this a Slack export?)", path=source)
    root = found[0][: -len("users.json")]  # "" or one wrapping folder ("My Workspace Slack export/")
    inside = [n[len(root):] for n in archive.names if n.startswith(root)]
    top = {n.lower(): root + n for n in inside if "/" not in n}
    users = _users(archive, top["users.json"])
    handles: dict[str, str] = {}
    for uid, info in users.items():
        if info["handle"] and info["handle"] not in handles.values():
            handles[uid] = info["handle"]

    def key(uid: str) -> str:
        return handles.get(uid, uid) if ids == "name" else uid

    days: dict[str, list[str]] = {}
    for name in inside:
        parts = name.split("/")
        if len(parts) == 2 and _DAY.fullmatch(parts[1]):
            days.setdefault(parts[0], []).append(root + name)
    if not days:
        raise InputError("no channel folders with YYYY-MM-DD.json day files", path=source)
    day_files = [(folder, name) for folder in sorted(days) for name in sorted(days[folder])]
    rows, skipped = _read_days(archive, day_files, _conversations(archive, top), plain, keep)

    rows.src = [key(u) for u in rows.src]
    rows.dst = [key(u) for u in rows.dst]
    notes = [f"{source}: skipped {skipped:,} join/leave/topic/bot message(s)"] if skipped else []
    if plain == "skip":
        notes.append(f"{source}: plain channel messages (no thread, mention or reaction) are not events; see channel_messages=previous")
    by_key = {key(uid): info for uid, info in users.items()}
    actors = {
        k: {"name": by_key.get(k, {}).get("name"), "platform": "slack", "handle": by_key.get(k, {}).get("handle"),
            "deleted": by_key.get(k, {}).get("deleted")}
        for k in set(rows.src) | set(rows.dst)
    }
    return ar.finish(rows, source=source, what="Slack export", actors=actors, notes=notes)


def _users(archive: ar.Archive, name: str) -> dict[str, dict[str, Any]]:
    """users.json: user id -> handle, display name, deleted, bot."""
    users: dict[str, dict[str, Any]] = {}
    for user in _list_file(archive, name):
        uid = user.get("id")
        if isinstance(uid, str) and uid:
            profile = user.get("profile")
            profile = profile if isinstance(profile, dict) else {}
            real = user.get("real_name") or profile.get("real_name") or profile.get("display_name")
            users[uid] = {
                "handle": user.get("name") if isinstance(user.get("name"), str) and user.get("name") else None,
                "name": real if isinstance(real, str) and real else None,
                "deleted": bool(user.get("deleted")),
                "bot": bool(user.get("is_bot")),
            }
    return users


def _conversations(archive: ar.Archive, top: dict[str, str]) -> dict[str, tuple[str, list[str]]]:
    """Conversation folder name -> (channel, dm or mpim; members)."""
    convs: dict[str, tuple[str, list[str]]] = {}
    for file_name, conv_kind in (("channels.json", "channel"), ("groups.json", "channel"), ("dms.json", "dm"), ("mpims.json", "mpim")):
        if file_name in top:
            for conv in _list_file(archive, top[file_name]):
                folder = conv.get("name") if conv_kind in ("channel", "mpim") else conv.get("id")
                members = [m for m in conv.get("members") or [] if isinstance(m, str)] if isinstance(conv.get("members"), list) else []
                if isinstance(folder, str) and folder:
                    convs[folder] = (conv_kind, members)
                    if conv_kind == "dm" and isinstance(conv.get("name"), str):
                        convs.setdefault(conv["name"], (conv_kind, members))
    return convs


def _read_days(
    archive: ar.Archive, day_files: list[tuple[str, str]], convs: dict[str, tuple[str, list[str]]], plain: str, keep: bool
) -> tuple[ar.Rows, int]:
    """Every day file's messages as rows (by user id), and how many messages were skipped."""
    rows = ar.Rows(keep_text=keep)
    skipped = 0
    thread_author: dict[tuple[str, str], str] = {}
    last_speaker: dict[str, tuple[str, float]] = {}
    for folder, name in ar.progress(day_files, total=len(day_files), description="reading Slack days"):
        label = archive.label(name)
        conv_kind, members = convs.get(folder, ("channel", []))
        channel = f"slack:{folder}"
        for index, msg in enumerate(_list_file(archive, name)):
            if msg.get("type", "message") != "message" or msg.get("subtype") in _SKIP_SUBTYPES:
                skipped += 1
                continue
            author = msg.get("user")
            ts = _ts(msg.get("ts"))
            if not isinstance(author, str) or not author:
                skipped += 1  # integrations without a user
                continue
            if ts is None:
                raise InputError(f"entry {index}: cannot read ts {msg.get('ts')!r} (Unix seconds as text)", path=label, field="ts")
            msg_ts = str(msg.get("ts"))
            thread = msg.get("thread_ts") if isinstance(msg.get("thread_ts"), str) else None
            if thread == msg_ts or msg.get("reply_count") or msg.get("replies"):
                thread_author[(folder, msg_ts)] = author  # thread parents only
            text = msg.get("text")
            text = text if isinstance(text, str) else ""
            kept = text if keep else None
            base = f"slack:{folder}:{msg_ts}"
            given = False
            target = None
            if thread and thread != msg_ts:
                target = msg.get("parent_user_id") if isinstance(msg.get("parent_user_id"), str) else thread_author.get((folder, thread))
                if target:
                    rows.add(author, target, "reply", ts, channel=channel, event_id=f"{base}:reply", text=kept)
                    given = True
            for mentioned in dict.fromkeys(_MENTION.findall(text)):
                if mentioned != target:
                    rows.add(author, mentioned, "mention", ts, channel=channel, event_id=f"{base}:mention:{mentioned}", text=kept)
                    given = True
            if isinstance(msg.get("reactions"), list):
                for reaction in msg["reactions"]:
                    if isinstance(reaction, dict) and isinstance(reaction.get("users"), list):
                        for who in reaction["users"]:
                            if isinstance(who, str) and who:
                                rows.add(who, author, "reaction", ts, channel=channel,
                                         event_id=f"{base}:reaction:{reaction.get('name')}:{who}")
            if conv_kind in ("dm", "mpim"):
                others = [m for m in members if m != author]
                for other in others:
                    rows.add(author, other, "message", ts, weight=1.0 / len(others), channel=channel, event_id=f"{base}:dm:{other}", text=kept)
                given = given or bool(others)
            elif not given and plain == "previous":
                previous = last_speaker.get(folder)
                if previous and previous[0] != author and 0 <= ts.timestamp() - previous[1] < _TURN_SECONDS:
                    rows.add(author, previous[0], "message", ts, channel=channel, event_id=f"{base}:turn", text=kept)
            if not (thread and thread != msg_ts):  # thread replies are not turns in the channel
                last_speaker[folder] = (author, ts.timestamp())
    return rows, skipped


LOADER = Loader(
    name="slack",
    summary="Slack workspace export (zip or folder): thread replies, mentions, reactions, DMs",
    extensions=(".zip",),
    detect=detect,
    load=load,
    options={
        "ids": "name (default: Slack handles) or id (U... ids)",
        "channel_messages": "skip (default) or previous: a plain channel message = message to the previous speaker (< 1 h)",
        "keep_text": "keep message text in a 'text' column (default false)",
    },
)
