"""Email: an mbox file (Thunderbird, Google Takeout's ``All mail ... .mbox``, ``mutt``) or a
Maildir folder (``cur/``, ``new/``, and Maildir++ subfolders such as ``.Sent/``).

Follows RFC 5322 headers (``From``, ``To``, ``Cc``, ``Date``, ``Message-ID``,
``In-Reply-To``, ``References``) and RFC 4155 mbox: a message starts at a line beginning
``From `` that follows a blank line (or starts the file); mboxo/mboxrd ``>From`` quoting in
bodies is harmless because bodies are skipped. Maildir as specified by D. J. Bernstein
(one message per file under ``cur``/``new``).

Streaming: the mbox is read line by line and only each message's header block (at most
256 KiB) is parsed; bodies are never held. Each message leaves a compact record (sender,
recipients, time, ids), so a multi-GB mailbox loads in bounded memory per message.

Kinds (src gave attention to dst): the sender -> every distinct To/Cc address is **email**
(Bcc is not used: it only exists in the sender's copy); when ``In-Reply-To`` (else the last
``References`` id) names a message in the same input, the event to that message's sender is
**reply** instead of email. Addresses are normalised: display names dropped, lowercased,
surrounding ``<>`` and spaces removed; texts without ``@`` (``undisclosed-recipients:;``)
are ignored. A message copied in several folders is counted once (``event_id`` = Message-ID
+ recipient).

Options: ``exclude_lists=true`` drops mailing-list and bulk traffic (a ``List-Id`` or
``List-Unsubscribe`` header, or ``Precedence: bulk|list|junk``); ``skip_undated=true`` skips
messages without a readable ``Date`` instead of stopping with an error naming the message;
``keep_text=true`` keeps the Subject (never the body) in a ``text`` column.

The ego is the address that takes part in the most messages, if it takes part in at least
half of them (a personal mailbox); otherwise none (pass ``--me``).
"""

from __future__ import annotations

import email.errors
import email.header
import email.parser
import email.policy
import email.utils
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ror_graph.errors import InputError
from ror_graph.loaders import Loader
from ror_graph.loaders import _archive as ar
from ror_graph.model import Dataset

__all__ = ["LOADER", "load", "detect", "normalise_address"]

_HEADER_CAP = 256 * 1024
_MSGID = re.compile(r"<([^<>\s]+)>")
_PARSER = email.parser.BytesHeaderParser(policy=email.policy.compat32)


def detect(path: Path, head: bytes) -> bool:
    """An mbox (first line ``From ...``, or ``.mbox``/``.mbx``), or a Maildir folder."""
    path = Path(path)
    if path.is_dir():
        return any(True for _ in _maildir_dirs(path, limit=1))
    if path.suffix.lower() in (".mbox", ".mbx"):
        return True
    return head.startswith(b"From ") and b"\n" in head


def normalise_address(text: str) -> str | None:
    """``"Ana B" <Ana.B@Example.COM>`` -> ``ana.b@example.com``; None when not an address."""
    _, address = email.utils.parseaddr(text)
    address = address.strip().strip("<>").strip().lower()
    return address if "@" in address and " " not in address and len(address) > 2 else None


@dataclass(frozen=True)
class _Message:
    where: str
    line: int | None
    sender: str | None
    recipients: tuple[str, ...]
    ts: datetime | None
    message_id: str | None
    parent_id: str | None
    is_list: bool
    subject: str | None


def _maildir_dirs(root: Path, limit: int | None = None) -> Iterator[Path]:
    found = 0
    for current, dirs, _ in os.walk(root):
        dirs.sort()
        if "cur" in dirs or "new" in dirs:
            for sub in ("new", "cur"):
                if (Path(current) / sub).is_dir():
                    yield Path(current) / sub
                    found += 1
                    if limit is not None and found >= limit:
                        return
            dirs[:] = [d for d in dirs if d not in ("cur", "new", "tmp")]


def _mbox_headers(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line of the ``From `` line, header bytes) of every message, streaming."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    with handle:
        start: int | None = None
        block: list[bytes] = []
        size = 0
        in_headers = False
        previous_blank = True
        for number, raw in enumerate(handle, start=1):
            if raw.startswith(b"From ") and previous_blank:
                if start is not None:
                    yield start, b"".join(block)
                start, block, size, in_headers = number, [], 0, True
            elif start is None:
                if raw.strip():
                    raise InputError("not an mbox: the first line should start with 'From '", path=str(path), line=number)
            elif in_headers:
                if not raw.strip():
                    in_headers = False
                elif size < _HEADER_CAP:
                    block.append(raw)
                    size += len(raw)
            previous_blank = not raw.strip()
        if start is None:
            raise InputError("not an mbox: no message found", path=str(path), line=1)
        yield start, b"".join(block)


def _file_headers(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            block = []
            size = 0
            for raw in handle:
                if not raw.strip() or size >= _HEADER_CAP:
                    break
                block.append(raw)
                size += len(raw)
            return b"".join(block)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None


def _text(value: Any) -> str:
    """A header value as text; raw 8-bit UTF-8 headers (common in practice, though RFC 5322
    wants encoded words) come back from the compat32 parser as surrogates: decode them."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        parts = []
        try:
            for chunk, charset in email.header.decode_header(value):
                if isinstance(chunk, bytes):
                    try:
                        chunk = chunk.decode(charset if charset and charset != "unknown-8bit" else "utf-8")
                    except (LookupError, UnicodeError):
                        chunk = chunk.decode("utf-8", "replace")
                parts.append(chunk)
        except (LookupError, UnicodeError, ValueError, email.errors.MessageError):
            return str(value)
        return "".join(parts)
    text = str(value)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _parse(where: str, line: int | None, header: bytes) -> _Message:
    msg = _PARSER.parsebytes(header)
    senders = [a for _, a in email.utils.getaddresses([_text(v) for v in msg.get_all("From", [])])]
    sender = next((n for n in (normalise_address(s) for s in senders) if n), None)
    fields = [_text(v) for name in ("To", "Cc") for v in msg.get_all(name, [])]
    recipients = []
    for _, address in email.utils.getaddresses(fields):
        clean = normalise_address(address)
        if clean and clean != sender and clean not in recipients:
            recipients.append(clean)
    ts = None
    raw_date = _text(msg.get("Date")).strip()
    if raw_date:
        try:
            parsed = email.utils.parsedate_to_datetime(raw_date)
            ts = parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
        except (TypeError, ValueError, IndexError, OverflowError):
            ts = None
    ids = _MSGID.findall(_text(msg.get("Message-ID")))
    parent = _MSGID.findall(_text(msg.get("In-Reply-To"))) or _MSGID.findall(_text(msg.get("References")))[-1:]
    precedence = _text(msg.get("Precedence")).strip().lower()
    is_list = bool(msg.get("List-Id") or msg.get("List-Unsubscribe")) or precedence in ("bulk", "list", "junk")
    subject = None
    if msg.get("Subject") is not None:
        try:
            subject = str(email.header.make_header(email.header.decode_header(_text(msg.get("Subject")))))
        except (ValueError, LookupError, UnicodeError, email.errors.MessageError):
            subject = _text(msg.get("Subject"))
    return _Message(where, line, sender, tuple(recipients), ts, ids[0] if ids else None, parent[0] if parent else None, is_list, subject)


def _messages(path: Path) -> Iterator[_Message]:
    if path.is_dir():
        dirs = list(_maildir_dirs(path))
        if not dirs:
            raise InputError("not a Maildir: no cur/ or new/ folder inside", path=str(path))
        for folder in dirs:
            for name in sorted(os.listdir(folder)):
                file = folder / name
                if file.is_file() and not name.startswith("."):
                    yield _parse(str(file), None, _file_headers(file))
    else:
        for line, header in _mbox_headers(path):
            yield _parse(str(path), line, header)


def load(path: Path, *, exclude_lists: Any = None, skip_undated: Any = None, keep_text: Any = None) -> Dataset:
    """Read an mbox file or a Maildir folder into canonical ``email``/``reply`` events."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", path=str(path))
    no_lists = ar.flag(exclude_lists, name="exclude_lists")
    skip = ar.flag(skip_undated, name="skip_undated")
    keep = ar.flag(keep_text, name="keep_text")
    kept: list[_Message] = []
    sender_of: dict[str, str] = {}
    dropped_lists = dropped_undated = dropped_empty = 0
    for number, message in enumerate(ar.progress(_messages(path), total=None, description="reading mail"), start=1):
        if message.ts is None:
            if skip:
                dropped_undated += 1
                continue
            who = message.message_id or "no Message-ID"
            raise InputError(
                f"message {number} ({who}) has no readable Date header; pass skip_undated=true to skip such messages",
                path=message.where,
                line=message.line,
                field="Date",
            )
        if no_lists and message.is_list:
            dropped_lists += 1
            continue
        if message.sender is None or not message.recipients:
            dropped_empty += 1
            continue
        if message.message_id:
            sender_of.setdefault(message.message_id, message.sender)
        kept.append(message if keep else _strip_subject(message))
    rows = ar.Rows(keep_text=keep)
    for index, message in enumerate(kept):
        parent_sender = sender_of.get(message.parent_id) if message.parent_id else None
        base = message.message_id or f"{message.where}:{message.line or index}"
        for who in message.recipients:
            kind = "reply" if who == parent_sender else "email"
            rows.add(message.sender, who, kind, message.ts, channel="email", event_id=f"{base}>{who}", text=message.subject)  # type: ignore[arg-type]
        if parent_sender and parent_sender != message.sender and parent_sender not in message.recipients:
            rows.add(message.sender, parent_sender, "reply", message.ts, channel="email", event_id=f"{base}>{parent_sender}", text=message.subject)  # type: ignore[arg-type]
    notes = []
    if dropped_lists or dropped_undated or dropped_empty:
        notes.append(
            f"{path}: skipped {dropped_lists:,} mailing-list/bulk message(s), {dropped_undated:,} without a Date, "
            f"{dropped_empty:,} without a sender or recipient address"
        )
    ego = _ego(kept)
    actors = {key: {"platform": "email"} for key in set(rows.src) | set(rows.dst)}
    return ar.finish(rows, source=str(path), what="mailbox", actors=actors, ego=ego, notes=notes)


def _strip_subject(message: _Message) -> _Message:
    return _Message(message.where, message.line, message.sender, message.recipients, message.ts,
                    message.message_id, message.parent_id, message.is_list, None)


def _ego(messages: list[_Message]) -> str | None:
    counts: dict[str, int] = {}
    for message in messages:
        for who in {message.sender, *message.recipients}:
            if who:
                counts[who] = counts.get(who, 0) + 1
    if not counts:
        return None
    best, count = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return best if count * 2 >= len(messages) else None


LOADER = Loader(
    name="email",
    summary="Email: an mbox file or a Maildir folder (From -> To/Cc = email; answers = reply)",
    extensions=(".mbox", ".mbx"),
    detect=detect,
    load=load,
    options={
        "exclude_lists": "drop mailing-list/bulk mail (List-Id, List-Unsubscribe, Precedence: bulk) (default false)",
        "skip_undated": "skip messages without a readable Date instead of failing (default false)",
        "keep_text": "keep the Subject (never the body) in a 'text' column (default false)",
    },
)
