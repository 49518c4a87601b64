"""X/Twitter account archive (the ``twitter-YYYY-MM-DD-<hash>.zip`` a user downloads from
Settings > Your account > Download an archive of your data), as a zip, its unpacked folder,
or one of its ``data/*.js`` files.

Follows the archive layout of 2019-2024 (the "YTD" archive that replaced the 2012-2018
``tweets.csv`` archive), as documented by the archive's own ``README.txt`` and seen in public
examples (e.g. the Community Archive's ``docs/`` and parsers on GitHub): every ``data/*.js``
file is one JavaScript assignment ``window.YTD.<name>.part<N> = [ ... ]`` of a JSON list of
one-key objects, large data sets split into ``<file>.js``, ``<file>-part1.js``,
``<file>-part2.js``... (``window.YTD.<name>.part0``, ``part1``...). Both the older
``tweet.js`` (``window.YTD.tweet``) and the newer ``tweets.js`` (``window.YTD.tweets``)
names are read. Files and what they give:

=========================  ==========================================================
``account.js``             ``account.accountId`` / ``username`` / ``accountDisplayName``:
                           the archive's owner, the ego (``--me`` defaults to it)
``tweets.js``              ``tweet.created_at`` (``Sat Feb 18 19:45:15 +0000 2023``),
                           ``in_reply_to_user_id_str`` -> **reply**;
                           ``entities.user_mentions[].id_str`` -> **mention**;
                           text ``RT @x: ...`` -> **share** to the first mention (x);
                           a link to ``twitter.com|x.com/<handle>/status/<id>`` in
                           ``entities.urls[].expanded_url`` -> **quote**
``like.js``                ``like.tweetId`` / ``expandedUrl`` -> **like** (see below)
``follower.js``            ``follower.accountId`` -> **follow** (them -> ego)
``following.js``           ``following.accountId`` -> **follow** (ego -> them)
``direct-messages.js``     ``dmConversation.messages[].messageCreate`` (``senderId``,
                           ``recipientId``, ``createdAt``) -> **message**
``direct-messages-group``  group DMs: **message** to each other participant, weight
                           1/(participants - 1)
``manifest.js``            ``archiveInfo.generationDate``: the date of undated facts
=========================  ==========================================================

Choices:

* **ids**: option ``ids=handle`` (default) names people ``@handle`` when the archive shows
  their handle anywhere (mentions, replies, quotes, account.js) and by account id otherwise
  (followers seen nowhere else); ``ids=account`` uses account ids where known. The actors
  table has both (``handle``, ``account_id``) and the display name.
* **replies**: the reply target is not also counted as a mention. Retweets count only the
  share (the other mentions in a retweet are the original author's).
* **likes**: like.js has neither the like's time nor the liked tweet's author. The author is
  taken from ``expandedUrl`` when it names a handle (older archives), else from the archive
  itself (a liked tweet you replied to or quoted, or your own); the others are skipped and
  counted in a note. The time is the liked tweet's own time decoded from its snowflake id
  (a like cannot come before the tweet, and usually follows it within a day); tweet ids
  from before snowflakes (2010) get the archive's date.
* **undated follows**: follower.js / following.js have no times; follows are dated at the
  archive's generation date (``manifest.js``), else the last dated event; ``follows=false``
  leaves them out.
* **deleted or suspended accounts** appear in mentions with ``id_str`` ``-1`` (or none):
  they are kept by handle.
* Message and tweet text is dropped unless ``keep_text=true`` (then a ``text`` column).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ror_graph.errors import InputError
from ror_graph.loaders import Loader
from ror_graph.loaders import _archive as ar
from ror_graph.model import Dataset

__all__ = ["LOADER", "load", "detect", "parse_ytd"]

_YTD = re.compile(r"\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=\s*")
_FILES = re.compile(r"(tweets?|account|follower|following|like|direct-messages(-group)?|manifest)(-part\d+)?\.js")
_STATUS_URL = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]{1,15})/status(?:es)?/(\d+)", re.I)
_RT = re.compile(r"RT @([A-Za-z0-9_]{1,15}):")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_CREATED = re.compile(r"\w{3} (\w{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})")
_TWEPOCH_MS = 1288834974657


def detect(path: Path, head: bytes) -> bool:
    """A file starting ``window.YTD.``, or a folder/zip holding account.js, tweets.js or
    manifest.js (usually under ``data/``)."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"window.YTD."):
        return True
    names = ar.member_names(path, head)
    found = {ar.basename(n).lower() for n in names if _FILES.fullmatch(ar.basename(n).lower())}
    return bool(found & {"account.js", "tweets.js", "tweet.js", "manifest.js"}) or (
        len(found) >= 2 and any(n.startswith("data/") or "/data/" in n for n in names)
    )


def parse_ytd(text: str, label: str) -> tuple[str, list[Any]]:
    """(data set name, list) of one ``window.YTD.<name>.part<N> = [...]`` file."""
    match = _YTD.match(text)
    if not match:
        raise InputError(
            f"not an X archive data file: expected 'window.YTD.<name>.part<N> = [ ... ]', found {text[:40].strip()!r}",
            path=label,
            line=1,
        )
    body = text[match.end():].rstrip().rstrip(";")
    value = ar.parse_json(body, label)
    if not isinstance(value, list):
        raise InputError(f"window.YTD.{match.group(1)} should be a list, found {type(value).__name__}", path=label, line=1)
    return match.group(1), value


def _created_at(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    match = _CREATED.fullmatch(value.strip())
    if match:
        mon, day, hh, mm, ss, sign, oh, om, year = match.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            return None
        try:
            offset = timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == "+" else -1)
            local = datetime(int(year), month, int(day), int(hh), int(mm), int(ss), tzinfo=timezone(offset))
            return local.astimezone(timezone.utc)
        except (ValueError, OverflowError):
            return None
    return ar.iso_time(value)


def _snowflake_time(tweet_id: str) -> datetime | None:
    if not tweet_id.isascii() or not tweet_id.isdigit() or len(tweet_id) > 20:
        return None
    value = int(tweet_id)
    if value < (1 << 22) * 10**9 or value >= 1 << 63:  # before 2010-11, or not a 64-bit id
        return None
    return datetime.fromtimestamp(((value >> 22) + _TWEPOCH_MS) / 1000, tz=timezone.utc)


class _People:
    """Who is who: account ids and handles seen anywhere in the archive."""

    def __init__(self) -> None:
        self.handle_of: dict[str, str] = {}  # account id -> handle
        self.id_of: dict[str, str] = {}  # lower handle -> account id
        self.name_of: dict[str, str] = {}  # key -> display name

    def see(self, account_id: Any, handle: Any, name: Any = None) -> str | None:
        """Remember a person; return their key (account id, else ``@handle``), or None."""
        aid = str(account_id).strip() if isinstance(account_id, (str, int)) and not isinstance(account_id, bool) else ""
        if aid in ("", "-1", "0") or not aid.isdigit():
            aid = ""
        h = handle.strip().lstrip("@") if isinstance(handle, str) else ""
        if aid and h:
            self.handle_of.setdefault(aid, h)
            self.id_of.setdefault(h.lower(), aid)
        key = aid or (f"@{h}" if h else None)
        if key and isinstance(name, str) and name.strip():
            self.name_of.setdefault(key, name.strip())
        return key

    def final(self, key: str, ids: str) -> str:
        if key.startswith("@"):
            aid = self.id_of.get(key[1:].lower())
            if ids == "account" and aid:
                return aid
            return f"@{self.handle_of[aid]}" if aid else key
        if ids == "handle" and key in self.handle_of:
            return f"@{self.handle_of[key]}"
        return key


def load(path: Path, *, ids: str | None = None, follows: Any = None, keep_text: Any = None) -> Dataset:
    """Read an X archive (zip, folder or one ``data/*.js`` file) into canonical events."""
    ids_mode = ar.choice(ids, ("handle", "account"), name="ids")
    with_follows = ar.flag(follows, default=True, name="follows")
    keep = ar.flag(keep_text, name="keep_text")
    with ar.Archive(path) as archive:
        return _load(archive, ids_mode, with_follows, keep)


def _entries(archive: ar.Archive, pattern: str, wrapper: str) -> list[tuple[str, int, dict[str, Any]]]:
    """(label, index, inner object) of every entry of every part of one data set."""
    out = []
    for name in archive.find(pattern):
        label = archive.label(name)
        _, items = parse_ytd(archive.text(name), label)
        for index, item in enumerate(items):
            inner = item.get(wrapper) if isinstance(item, dict) else None
            if not isinstance(inner, dict):
                raise InputError(f"entry {index} should be an object {{\"{wrapper}\": {{...}}}}", path=label, field=wrapper)
            out.append((label, index, inner))
    return out


def _load(archive: ar.Archive, ids: str, with_follows: bool, keep: bool) -> Dataset:
    if not archive.find(_FILES):
        raise InputError("no X archive data files (data/tweets.js, data/account.js, ...) found", path=str(archive.path))
    reader = _Reader(archive, keep)
    reader.owner()
    reader.tweets()
    reader.direct_messages()
    undated = reader.export_time or reader.rows.last_time()  # likes and follows without a time happened by then
    reader.likes(undated)
    if with_follows:
        reader.follows(undated)
    return reader.finish(ids)


class _Reader:
    """One pass over an archive: the owner, tweets, DMs, likes and follows, each a method."""

    def __init__(self, archive: ar.Archive, keep: bool) -> None:
        self.archive, self.keep = archive, keep
        self.people = _People()
        self.rows = ar.Rows(keep_text=keep)
        self.notes: list[str] = []
        self.source = str(archive.path)
        self.ego_key = "me"
        self.status_author: dict[str, str] = {}  # tweet id -> author key, for likes
        self.export_time: datetime | None = None

    def owner(self) -> None:
        """The archive's owner (account.js) and the export time (manifest.js)."""
        for label, index, account in _entries(self.archive, r"account(-part\d+)?\.js", "account"):
            key = self.people.see(account.get("accountId"), account.get("username"), account.get("accountDisplayName"))
            if key is None:
                raise InputError(f"entry {index}: account has no accountId", path=label, field="accountId")
            self.ego_key = key
        if self.ego_key == "me":
            self.notes.append(f"{self.source}: no account.js: the archive's owner is called 'me'")
        for name in self.archive.find(r"manifest\.js"):
            text = self.archive.text(name)
            match = re.search(r"\"generationDate\"\s*:\s*\"([^\"]+)\"", text)
            self.export_time = ar.iso_time(match.group(1)) if match else None

    def tweets(self) -> None:
        """Shares, replies, quotes and mentions; every id <-> handle is learnt before any row."""
        people, ego_key = self.people, self.ego_key
        parsed = []
        for label, index, tweet in _entries(self.archive, r"tweets?(-part\d+)?\.js", "tweet"):
            tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
            ts = _created_at(tweet.get("created_at"))
            if ts is None:
                raise InputError(
                    f"entry {index} (tweet {tweet_id or '?'}): cannot read created_at {tweet.get('created_at')!r}",
                    path=label,
                    field="created_at",
                )
            entities = tweet.get("entities")
            entities = entities if isinstance(entities, dict) else {}
            listed = entities.get("user_mentions")
            mentions = [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
            mention_keys = [people.see(m.get("id_str"), m.get("screen_name"), m.get("name")) for m in mentions]
            reply_key = people.see(tweet.get("in_reply_to_user_id_str"), tweet.get("in_reply_to_screen_name"))
            if reply_key and isinstance(tweet.get("in_reply_to_status_id_str"), str):
                self.status_author[tweet["in_reply_to_status_id_str"]] = reply_key
            if tweet_id:
                self.status_author[tweet_id] = ego_key
            quoted = []
            urls = entities.get("urls")
            for url in urls if isinstance(urls, list) else []:
                match = _STATUS_URL.match(url.get("expanded_url") or "") if isinstance(url, dict) and isinstance(url.get("expanded_url"), str) else None
                if match and match.group(1).lower() not in ("i", "intent"):
                    key = people.see(None, match.group(1))
                    if key:
                        quoted.append(key)
                        self.status_author[match.group(2)] = key
            full, short = tweet.get("full_text"), tweet.get("text")
            text = full if isinstance(full, str) else short if isinstance(short, str) else ""
            parsed.append((tweet_id, ts, text, reply_key, [k for k in mention_keys if k], quoted))

        rows = self.rows
        for tweet_id, ts, text, reply_key, mentioned, quoted in parsed:
            kept = text if self.keep else None
            retweet = _RT.match(text)
            if retweet:
                target = mentioned[0] if mentioned else people.see(None, retweet.group(1))
                if target:
                    rows.add(ego_key, target, "share", ts, channel="x:tweets", event_id=f"x:{tweet_id}:share:{target}", text=kept)
                continue
            if reply_key:
                rows.add(ego_key, reply_key, "reply", ts, channel="x:tweets", event_id=f"x:{tweet_id}:reply:{reply_key}", text=kept)
            for key in dict.fromkeys(quoted):
                rows.add(ego_key, key, "quote", ts, channel="x:tweets", event_id=f"x:{tweet_id}:quote:{key}", text=kept)
            for key in dict.fromkeys(mentioned):
                if key != reply_key:
                    rows.add(ego_key, key, "mention", ts, channel="x:tweets", event_id=f"x:{tweet_id}:mention:{key}", text=kept)

    def direct_messages(self) -> None:
        """One message event per recipient; in a group, each weighs 1 / (participants - 1)."""
        for pattern, group in ((r"direct-messages(-part\d+)?\.js", False), (r"direct-messages-group(-part\d+)?\.js", True)):
            for label, index, conv in _entries(self.archive, pattern, "dmConversation"):
                self._conversation(label, index, conv, group)

    def _conversation(self, label: str, index: int, conv: dict[str, Any], group: bool) -> None:
        messages = conv.get("messages")
        if not isinstance(messages, list):
            raise InputError(f"entry {index}: dmConversation.messages should be a list", path=label, field="messages")
        conv_id = str(conv.get("conversationId") or index)
        creates = []
        participants: set[str] = set()
        for item in messages:
            if not isinstance(item, dict):
                continue
            for key in ("joinConversation", "participantsJoin", "participantsSnapshot"):
                inner = item.get(key)
                if isinstance(inner, dict):
                    for field_name in ("participantsSnapshot", "userIds"):
                        if isinstance(inner.get(field_name), list):
                            participants.update(str(u) for u in inner[field_name] if isinstance(u, (str, int)))
                    if isinstance(inner.get("initiatingUserId"), (str, int)):
                        participants.add(str(inner["initiatingUserId"]))
            create = item.get("messageCreate")
            if isinstance(create, dict):
                creates.append(create)
                if isinstance(create.get("senderId"), (str, int)):
                    participants.add(str(create["senderId"]))
                if isinstance(create.get("recipientId"), (str, int)):
                    participants.add(str(create["recipientId"]))
        for create in creates:
            sender = self.people.see(create.get("senderId"), None)
            ts = ar.iso_time(create.get("createdAt"))
            if sender is None or ts is None:
                bad = "senderId" if sender is None else "createdAt"
                raise InputError(
                    f"entry {index} (conversation {conv_id}): message {create.get('id', '?')} has no readable {bad} ({create.get(bad)!r})",
                    path=label,
                    field=bad,
                )
            recipient = self.people.see(create.get("recipientId"), None)
            targets = [recipient] if recipient and not group else sorted(p for p in participants if p != sender)
            kept = create.get("text") if self.keep and isinstance(create.get("text"), str) else None
            for target in targets:
                self.rows.add(sender, target, "message", ts, weight=1.0 / max(1, len(targets)) if group else 1.0,
                              channel=f"x:dm:{conv_id}", event_id=f"x:dm:{create.get('id', '')}:{target}", text=kept)

    def likes(self, undated_time: datetime | None) -> None:
        """Likes, dated by the tweet id (snowflake) where it carries a time, else ``undated_time``."""
        likes = _entries(self.archive, r"like(-part\d+)?\.js", "like")
        unresolved = 0
        for _label, _index, like in likes:
            tweet_id = str(like.get("tweetId") or "")
            url = like.get("expandedUrl")
            match = _STATUS_URL.match(url) if isinstance(url, str) else None
            author = self.people.see(None, match.group(1)) if match and match.group(1).lower() not in ("i", "intent") else self.status_author.get(tweet_id)
            ts = _snowflake_time(tweet_id) or undated_time
            if author is None or ts is None:
                unresolved += 1
                continue
            self.rows.add(self.ego_key, author, "like", ts, channel="x:likes", event_id=f"x:like:{tweet_id}",
                          text=like.get("fullText") if self.keep and isinstance(like.get("fullText"), str) else None)
        if unresolved:
            self.notes.append(f"{self.source}: skipped {unresolved:,} of {len(likes):,} like(s) whose author the archive does not name")

    def follows(self, undated_time: datetime | None) -> None:
        """Followers and followings, dated ``undated_time`` (the archive has no follow times)."""
        counts = {}
        for pattern, wrapper in ((r"follower(-part\d+)?\.js", "follower"), (r"following(-part\d+)?\.js", "following")):
            entries = _entries(self.archive, pattern, wrapper)
            counts[wrapper] = len(entries)
            if entries and undated_time is None:
                raise InputError(
                    f"{wrapper}.js has no times and the archive has no dated event or manifest.js generationDate to date it by",
                    path=entries[0][0],
                )
            for label, index, entry in entries:
                link = entry.get("userLink")
                link = link if isinstance(link, str) else ""
                handle = re.search(r"(?:twitter|x)\.com/(?!intent)([A-Za-z0-9_]{1,15})$", link)
                key = self.people.see(entry.get("accountId"), handle.group(1) if handle else None)
                if key is None:
                    raise InputError(f"entry {index}: {wrapper} has no accountId", path=label, field="accountId")
                src, dst = (key, self.ego_key) if wrapper == "follower" else (self.ego_key, key)
                self.rows.add(src, dst, "follow", undated_time, channel=f"x:{wrapper}", event_id=f"x:{wrapper}:{key}")  # type: ignore[arg-type]
        if any(counts.values()):
            when = "the archive's generation date" if self.export_time else "the last dated event"
            self.notes.append(f"{self.source}: follows have no times in the archive; dated at {when} ({undated_time:%Y-%m-%d})")  # type: ignore[union-attr]

    def finish(self, ids: str) -> Dataset:
        """Final ids (handles or account ids), the actors table, the validated Dataset."""
        people, rows = self.people, self.rows
        rows.src = [people.final(k, ids) for k in rows.src]
        rows.dst = [people.final(k, ids) for k in rows.dst]
        ego = people.final(self.ego_key, ids)
        actors: dict[str, dict[str, Any]] = {}
        for key in set(rows.src) | set(rows.dst):
            aid = key if key.isdigit() else people.id_of.get(key[1:].lower()) if key.startswith("@") else None
            handle = people.handle_of.get(aid) if aid else key[1:] if key.startswith("@") else None
            name = people.name_of.get(aid or "") or people.name_of.get(f"@{handle}" if handle else "")
            actors[key] = {"name": name, "platform": "x", "handle": handle, "account_id": aid}
        return ar.finish(rows, source=self.source, what="X archive", actors=actors, ego=ego, notes=self.notes)


LOADER = Loader(
    name="x_archive",
    summary="X/Twitter archive (zip or folder; data/*.js window.YTD...): replies, mentions, shares, quotes, likes, follows, DMs",
    extensions=(".zip", ".js"),
    detect=detect,
    load=load,
    options={
        "ids": "handle (default: @handle where the archive shows it) or account (account ids)",
        "follows": "include follower.js/following.js as follow events dated at the export (default true)",
        "keep_text": "keep tweet/DM text in a 'text' column (default false)",
    },
)
