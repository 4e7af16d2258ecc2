"""收文 use cases shared by the TUI and the command line: intake, the document, routing, instructions
into follow-ups, drafts and their versions, classification rules, search and saved views.

Intake streams a file into the store in chunks (`CHUNK_BYTES`), so memory stays bounded whatever its
size; chunks of confidential documents are sealed under the confidential key. A keyed digest
(HMAC-SHA256 under keys derived with HKDF from the store key, and from the confidential key for
confidential documents) tells duplicates apart. The original is removed, when the settings ask for it,
only once the stored copy has been read back and its digest checked.

Search runs in SQL over the trigram FTS5 index of store.fts (shorter terms through the trigrams that
begin with them), for the documents that are not confidential, and reads the document table through an
index that holds every column the list filters on, so that neither a count nor a filter reads the rows
(which hold the extracted text). Confidential documents are never indexed; they are searched in memory,
and only while unlocked.

Everything here runs in worker threads or the command line, never on the event loop.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from gmassist.config import InboxSettings, Settings
from gmassist.domain import extract as extraction
from gmassist.domain import intake
from gmassist.domain.inbox import (
    ACTION_LABELS,
    ASSISTANT,
    MANAGER,
    STATE_LABELS,
    Action,
    Classification,
    DocType,
    IllegalTransition,
    Rule,
    SecurityLevel,
    State,
    action_for,
    allowed_actions,
    classify,
    content_digest,
    format_overrides,
    is_waiting_too_long,
    parse_doc_type,
    parse_overrides,
    parse_security_level,
    parse_urgency,
    time_in_state,
    transition,
)
from gmassist.errors import GmassistError, InvalidInput, Locked
from gmassist.i18n import _
from gmassist.paths import data_dir, ensure_private_dir

# The search lives in its own module; its public names belong to this API too (re-exported).
from gmassist.services.inbox_search import DOCUMENT_KIND as DOCUMENT_KIND
from gmassist.services.inbox_search import LIST_COLUMNS as LIST_COLUMNS
from gmassist.services.inbox_search import DocumentSearch as DocumentSearch
from gmassist.services.inbox_search import ViewItem as ViewItem
from gmassist.services.inbox_search import delete_view as delete_view
from gmassist.services.inbox_search import fold
from gmassist.services.inbox_search import forget_confidential_texts as forget_confidential_texts
from gmassist.services.inbox_search import latest_versions as latest_versions
from gmassist.services.inbox_search import list_views as list_views
from gmassist.services.inbox_search import save_view as save_view
from gmassist.services.inbox_search import search as search
from gmassist.store import crypto
from gmassist.store.models import (
    Attachment,
    AttachmentChunk,
    Card,
    Change,
    Department,
    Document,
    Event,
    FollowUp,
    InboxRule,
    Link,
    PrepItem,
    RoutingStep,
    Tag,
    Tagging,
    new_id,
    not_confidential,
    table_of,
)
from gmassist.store.store import Store

CHUNK_BYTES = 1 << 20
"""Files are stored, read back and exported in chunks of this size (1 MiB)."""
DIGEST_PURPOSE = "inbox.content-digest"
"""The HKDF purpose of the digest keys (store key for all documents, confidential key for confidential ones)."""
TEXT_LIMIT = extraction.MAX_FILE_BYTES
"""Files up to this size are read whole for their text; larger ones are only streamed into the store."""
VIEW_LIMIT = 8 * 1024 * 1024
"""Text, Markdown and mail up to this size are shown inside the app; larger ones open outside."""
IN_APP_MIMES = frozenset({"text/plain", "text/markdown", "message/rfc822"})
"""What the app shows itself; everything else opens in the system viewer."""

_DOC = table_of(Document)
_CHUNK = table_of(AttachmentChunk)
_CHANGE = table_of(Change)
_TAG = table_of(Tag)
_TAGGING = table_of(Tagging)
_DEPT = table_of(Department)


def watch_folder(settings: Settings | InboxSettings) -> Path:
    """The watched inbox folder: [inbox] watch_folder, else <data folder>/inbox."""
    inbox = settings.inbox if isinstance(settings, Settings) else settings
    if inbox.watch_folder:
        return Path(inbox.watch_folder).expanduser()
    return data_dir() / "inbox"


def mime_of(name: str) -> str:
    """The MIME type of a file name (a few the built-in table lacks are added)."""
    suffix = Path(name).suffix.lower()
    special = {".eml": "message/rfc822", ".md": "text/markdown", ".markdown": "text/markdown"}
    if suffix in special:
        return special[suffix]
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def _stamps(session: Session) -> dict[str, Any]:
    """created and updated for a new item: the action's time."""
    now = session.info["now"]
    return {"created": now, "updated": now}


# --- keys ----------------------------------------------------------------------------------------------


def _digest_keys(store: Store, *, confidential: bool) -> dict[str, bytes]:
    """The digest keys usable now: 'store' always, 'confidential' while unlocked.

    A confidential document is identified by its confidential digest only, so that someone who can open
    the database but not the confidential key cannot test a guess about its content."""
    keys = {"store": store.derived_key(DIGEST_PURPOSE)}
    if store.confidential_unlocked:
        keys["confidential"] = store.derived_key(DIGEST_PURPOSE, confidential=True)
    elif confidential:
        store.confidential_key()  # raises Locked
    return keys


def _chunk_key(store: Store, confidential: bool) -> crypto.ConfidentialKey | None:
    return store.confidential_key() if confidential else None


class _Digests:
    """HMAC-SHA256 digests of one stream under each usable key, fed chunk by chunk."""

    def __init__(self, keys: dict[str, bytes]) -> None:
        import hashlib
        import hmac

        self._macs = {name: hmac.new(key, digestmod=hashlib.sha256) for name, key in keys.items()}

    def update(self, data: bytes) -> None:
        for mac in self._macs.values():
            mac.update(data)

    def hexdigests(self) -> dict[str, str]:
        return {name: mac.hexdigest() for name, mac in self._macs.items()}


# --- results of intake -----------------------------------------------------------------------------------


class IntakeStatus(StrEnum):
    """What happened to one file offered to the inbox."""

    TAKEN_IN = "taken_in"
    """Stored (and verified) as a new document."""
    DUPLICATE = "duplicate"
    """Its content is already in the inbox: nothing new was stored."""
    UNREADABLE = "unreadable"
    """It could not be read (permissions, I/O error); left where it is."""
    VANISHED = "vanished"
    """It disappeared before or while it was read; nothing was stored."""
    CHANGED = "changed"
    """It changed while it was read; nothing was stored, it is tried again later."""
    LOCKED = "locked"
    """It is to be confidential but the confidential key is locked; tried again once unlocked."""
    SKIPPED = "skipped"
    """Not a file the inbox takes (a folder, a link, a temporary file)."""


@dataclass(frozen=True)
class IntakeResult:
    """The outcome of offering one file to the inbox, with one translated line for the user."""

    path: Path
    """The file offered."""
    status: IntakeStatus
    """What happened."""
    message: str
    """One plain, translated line that says it."""
    document_id: str | None = None
    """The new document (taken in) or the one it duplicates."""
    removed_original: bool = False
    """Whether the original file was removed (after the stored copy was verified)."""
    verified: bool = False
    """Whether the stored copy was read back and matched the original's digest."""
    notes: tuple[str, ...] = ()
    """What extraction had to say (no text layer, undecodable bytes...)."""

    @property
    def ok(self) -> bool:
        """Whether the content is in the store now (new or already there)."""
        return self.status in (IntakeStatus.TAKEN_IN, IntakeStatus.DUPLICATE)


Progress = Callable[[int, int], None]
"""Called after each chunk with (bytes done, bytes in all)."""


class _Abort(Exception):
    """Rolls the intake transaction back and carries the result to report."""

    def __init__(self, result: IntakeResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass
class _Fingerprint:
    """What identifies the state of a file on disk, to see that it did not change under us."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> _Fingerprint:
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


@dataclass
class _Content:
    """What a file's bytes say about the document: fields, text, and e-mail attachments."""

    title: str
    text: str = ""
    sender: str = ""
    recipients: str = ""
    received: datetime | None = None
    doc_type: str | None = None
    number: str = ""
    notes: list[str] = field(default_factory=list)
    attachments: list[extraction.EmailAttachment] = field(default_factory=list)


def _read_content(name: str, data: bytes | None) -> _Content:
    """Fields and text from a file's bytes (None: too large to read for text)."""
    content = _Content(title=intake.title_from_name(name))
    if data is None:
        content.notes.append(
            _("The file is larger than {n} MB; it is stored but its text is not searchable.").format(
                n=TEXT_LIMIT // (1024 * 1024)
            )
        )
        return content
    if Path(name).suffix.lower() == ".eml":
        mail = extraction.parse_eml(data)
        content.title = mail.subject or content.title
        content.sender = mail.sender
        content.recipients = ", ".join(mail.recipients)
        content.received = mail.date
        content.doc_type = DocType.EMAIL.value
        content.attachments = list(mail.attachments)
        parts = [extraction.email_text(mail)]
        for attachment in mail.attachments:
            found = extraction.extract(attachment.data, attachment.name)
            if found.text:
                parts.append(f"--- {attachment.name} ---\n{found.text}")
        content.text = "\n\n".join(parts)[: extraction.MAX_TEXT_CHARS]
        content.notes.extend(mail.problems)
    else:
        found = extraction.extract(data, name)
        content.text = found.text
        if found.reason:
            content.notes.append(found.reason)
    content.number = intake.guess_number(content.text)
    if content.doc_type is None:  # not an e-mail, whose subject is its title
        from_text = intake.title_from_text(content.text)
        prefer_text = (
            intake.is_uninformative_name(name)
            or Path(name).suffix.lower() in (".md", ".markdown")
            or (from_text.startswith("关于") and not content.title.startswith("关于"))
        )
        if from_text and prefer_text:
            content.title = from_text
    return content


# --- storing bytes ------------------------------------------------------------------------------------------


class _ChunkWriter:
    """Writes one attachment's chunks straight into the table (sealed for confidential documents).

    Chunks bypass the ORM, whose change log would copy every byte; each chunk still gets a change-log
    row (its key only), so undoing the intake removes it."""

    def __init__(self, session: Session, attachment_id: str, key: crypto.ConfidentialKey | None) -> None:
        self.connection = session.connection()
        self.session = session
        self.attachment_id = attachment_id
        self.key = key
        self.count = 0
        self.size = 0

    def write(self, data: bytes) -> None:
        stored = data
        if self.key is not None:
            stored = crypto.seal_bytes(self.key, crypto.chunk_aad(self.attachment_id, self.count), data)
        self.connection.execute(
            insert(_CHUNK).values(attachment_id=self.attachment_id, seq=self.count, data=stored)
        )
        self.count += 1
        self.size += len(data)

    def log(self) -> None:
        """Record the inserted chunks in the action's change log (after the rows they hang on)."""
        if not self.count:
            return
        self.connection.execute(
            insert(_CHANGE),
            [
                _chunk_change(self.session.info, self.attachment_id, seq, "insert", None)
                for seq in range(self.count)
            ],
        )


def _store_bytes(
    session: Session,
    document: Document,
    name: str,
    mime: str,
    data: bytes,
    key: crypto.ConfidentialKey | None,
    position: int = 0,
) -> Attachment:
    """Store a file held in memory as an attachment of `document` (already in the session).

    Files of a document are listed by `created`: an e-mail's attachment number `position` is stamped
    that many microseconds after the message itself, so the document's own file always comes first."""
    stamps = _stamps(session)
    attachment = Attachment(
        created=stamps["created"] + timedelta(microseconds=position),
        updated=stamps["updated"],
        document_id=document.id,
        name=name,
        mime=mime,
        size=len(data),
        confidential=document.confidential,
    )
    session.add(attachment)
    session.flush()
    writer = _ChunkWriter(session, attachment.id, key)
    for start in range(0, len(data), CHUNK_BYTES):
        writer.write(data[start : start + CHUNK_BYTES])
    writer.log()
    attachment.chunks = writer.count
    return attachment


def iter_chunks(store: Store, attachment_id: str) -> Iterator[bytes]:
    """The bytes of a stored file, one chunk at a time (opened when sealed; Locked while locked)."""
    with store.engine.connect() as connection:
        row = connection.execute(
            select(table_of(Attachment).c.confidential, table_of(Attachment).c.chunks).where(
                table_of(Attachment).c.id == attachment_id
            )
        ).first()
    if row is None:
        raise InvalidInput(_("no such file in the store"))
    key = store.confidential_key() if row.confidential else None
    seq = 0
    while True:
        with store.engine.connect() as connection:
            data = connection.execute(
                select(_CHUNK.c.data).where(_CHUNK.c.attachment_id == attachment_id, _CHUNK.c.seq == seq)
            ).scalar()
        if data is None:
            return
        yield crypto.open_bytes(key, crypto.chunk_aad(attachment_id, seq), data) if key else bytes(data)
        seq += 1


def _verify(store: Store, attachment_id: str, key: bytes, expected: str, size: int) -> bool:
    """Read a stored file back and check its digest and size."""
    total = 0

    def counted() -> Iterator[bytes]:
        nonlocal total
        for chunk in iter_chunks(store, attachment_id):
            total += len(chunk)
            yield chunk

    return content_digest(counted(), key) == expected and total == size


# --- intake ----------------------------------------------------------------------------------------------


def load_rules(store: Store) -> list[Rule]:
    """The classification rules in their order, as domain rules (a broken stored rule is skipped)."""
    table = table_of(InboxRule)
    with store.engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.position, table.c.created)).mappings().all()
    rules = []
    for row in rows:
        with contextlib.suppress(ValueError):
            rules.append(_rule_of(row))
    return rules


def _rule_of(row: Any) -> Rule:
    return Rule.build(
        row["id"],
        row["name"],
        row["target_field"],
        row["match_kind"],
        row["pattern"],
        case_insensitive=bool(row["case_insensitive"]),
        set_type=row["set_type"],
        set_tags=intake.parse_tags(row["set_tags"] or ""),
        set_department=row["set_department"],
        set_urgency=row["set_urgency"],
        enabled=bool(row["enabled"]),
    )


def _tag(session: Session, name: str) -> Tag:
    tag = session.exec(orm_select(Tag).where(col(Tag.name) == name)).first()
    if tag is None:
        tag = Tag(name=name, **_stamps(session))
        session.add(tag)
        session.flush()
    return tag


def _add_tags(session: Session, document_id: str, names: Iterable[str]) -> None:
    for name in names:
        tag = _tag(session, name)
        if session.get(Tagging, (tag.id, DOCUMENT_KIND, document_id)) is None:
            session.add(Tagging(tag_id=tag.id, item_kind=DOCUMENT_KIND, item_id=document_id))


def _apply_classification(document: Document, result: Classification) -> list[str]:
    for name, value in result.changes().items():
        setattr(document, name, value)
    document.rule_id = result.rule_id
    return list(result.tags)


def ingest_file(
    store: Store,
    path: Path | str,
    *,
    settings: InboxSettings | None = None,
    level: str = SecurityLevel.INTERNAL.value,
    rules: Sequence[Rule] | None = None,
    progress: Progress | None = None,
) -> IntakeResult:
    """Take one file into the inbox and say what happened (never raises for a bad file).

    The file is read in chunks; up to `TEXT_LIMIT` bytes it is also read for its text (and an .eml for
    its subject, sender, date and attachments). A duplicate (same keyed digest) is reported and not
    stored again. The stored copy is read back and verified; only then, and only when
    `settings.remove_originals` is set and the file is unchanged, is the original removed.
    """
    path = Path(path)
    settings = settings or InboxSettings()
    name = path.name
    try:
        security = parse_security_level(level)
    except ValueError as exc:
        raise InvalidInput(str(exc), "level") from exc
    confidential = security.is_confidential

    def result(status: IntakeStatus, message: str, **values: Any) -> IntakeResult:
        return IntakeResult(path=path, status=status, message=message, **values)

    if intake.is_temporary_name(name):
        return result(
            IntakeStatus.SKIPPED, _("{name}: a temporary or hidden file; left alone.").format(name=name)
        )
    try:
        keys = _digest_keys(store, confidential=confidential)
    except Locked:
        return result(
            IntakeStatus.LOCKED,
            _("{name}: unlock confidential items (ctrl+o) to take in a {level} file; it waits.").format(
                name=name, level=_(security.label).lower()
            ),
        )
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a folder, FIFO or device: open() could block
            return result(
                IntakeStatus.SKIPPED, _("{name}: not a regular file; left alone.").format(name=name)
            )
        handle = open(path, "rb", buffering=0)  # noqa: SIM115  (closed in the finally below)
    except FileNotFoundError:
        return result(
            IntakeStatus.VANISHED,
            _("{name}: the file vanished before it could be read; nothing was stored.").format(name=name),
        )
    except IsADirectoryError:
        return result(IntakeStatus.SKIPPED, _("{name}: a folder, not a file.").format(name=name))
    except OSError as exc:
        return result(
            IntakeStatus.UNREADABLE,
            _("{name}: cannot be read ({error}); it was left where it is.").format(
                name=name, error=exc.strerror or exc
            ),
        )
    try:
        return _ingest_open(store, path, handle, keys, settings, security, rules, progress, result)
    finally:
        handle.close()


def _ingest_open(
    store: Store,
    path: Path,
    handle: Any,
    keys: dict[str, bytes],
    settings: InboxSettings,
    security: SecurityLevel,
    rules: Sequence[Rule] | None,
    progress: Progress | None,
    result: Callable[..., IntakeResult],
) -> IntakeResult:
    name = path.name
    confidential = security.is_confidential
    digest_name = "confidential" if confidential else "store"
    before = _Fingerprint.of(os.fstat(handle.fileno()))
    total = before.size
    digests = _Digests(keys)
    done = 0

    def chunks() -> Iterator[bytes]:
        nonlocal done
        while True:
            data = handle.read(CHUNK_BYTES)
            if not data:
                return
            digests.update(data)
            done += len(data)
            yield data
            if progress is not None:
                progress(done, total)

    def changed_result() -> IntakeResult:
        return result(
            IntakeStatus.CHANGED,
            _("{name} changed while it was being read; nothing was stored, it will be tried again.").format(
                name=name
            ),
        )

    def read_failed(exc: OSError) -> IntakeResult:
        if not path.exists():
            return result(
                IntakeStatus.VANISHED,
                _("{name} vanished while it was being read; nothing was stored.").format(name=name),
            )
        return result(
            IntakeStatus.UNREADABLE,
            _("{name}: reading failed ({error}); nothing was stored, the file was left as it is.").format(
                name=name, error=exc.strerror or exc
            ),
        )

    rules = list(rules) if rules is not None else load_rules(store)
    now = store.clock.now()
    mime = mime_of(name)
    in_memory: bytes | None = None
    if total <= TEXT_LIMIT:
        try:
            in_memory = b"".join(chunks())
        except OSError as exc:
            return read_failed(exc)
        if _Fingerprint.of(os.fstat(handle.fileno())) != before or len(in_memory) != total:
            return changed_result()
        found = _find_duplicate(store, digests.hexdigests())
        if found is not None:
            return _duplicate(store, path, found, settings, keys, digests.hexdigests(), before, result)
    content = _read_content(name, in_memory)
    document = Document(
        created=now,
        updated=now,
        title=content.title,
        number=content.number,
        doc_type=content.doc_type or DocType.OTHER.value,
        sender=content.sender,
        recipients=content.recipients,
        received=content.received or now,
        security_level=security.value,
        confidential=confidential,
        state=State.RECEIVED.value,
        state_since=now,
        holder=ASSISTANT,
        body_text=content.text,
        file_name=name,
        mime=mime,
        size=total,
        content_hash=digests.hexdigests()[digest_name] if in_memory is not None else "",
    )
    classification = classify(
        {"sender": document.sender, "title": document.title, "content": document.body_text}, rules
    )
    tags = _apply_classification(document, classification)
    key = _chunk_key(store, confidential)
    try:
        with store.action("inbox.ingest") as session:
            session.add(document)
            session.flush()
            main = Attachment(
                **_stamps(session),
                document_id=document.id,
                name=name,
                mime=mime,
                size=total,
                confidential=confidential,
            )
            session.add(main)
            session.flush()
            writer = _ChunkWriter(session, main.id, key)
            if in_memory is not None:
                for start in range(0, len(in_memory), CHUNK_BYTES):
                    writer.write(in_memory[start : start + CHUNK_BYTES])
            else:
                try:
                    for data in chunks():
                        writer.write(data)
                except OSError as exc:
                    raise _Abort(read_failed(exc)) from exc
                if _Fingerprint.of(os.fstat(handle.fileno())) != before or writer.size != total:
                    raise _Abort(changed_result())
                found = _find_duplicate(store, digests.hexdigests(), session=session)
                if found is not None:
                    raise _Abort(
                        _duplicate(store, path, found, settings, keys, digests.hexdigests(), before, result)
                    )
                document.content_hash = digests.hexdigests()[digest_name]
            writer.log()
            main.chunks = writer.count
            for position, attachment in enumerate(content.attachments, 1):
                _store_bytes(
                    session, document, attachment.name, attachment.mime, attachment.data, key, position
                )
            _add_tags(session, document.id, tags)
    except _Abort as abort:
        return abort.result
    verified = _verify(store, main.id, keys[digest_name], document.content_hash, total)
    removed = False
    if verified and settings.remove_originals:
        removed = _remove_if_unchanged(path, before)
    message = _("Taken in: {name} → “{title}”.").format(name=name, title=document.title)
    if not verified:
        message = _("Taken in: {name}, but the stored copy did not verify; the original was kept.").format(
            name=name
        )
    elif removed:
        message = _("Taken in: {name} → “{title}” (verified; the original was removed).").format(
            name=name, title=document.title
        )
    return result(
        IntakeStatus.TAKEN_IN,
        message,
        document_id=document.id,
        verified=verified,
        removed_original=removed,
        notes=tuple(content.notes),
    )


def _find_duplicate(
    store: Store, digests: dict[str, str], *, session: Session | None = None
) -> tuple[str, str] | None:
    """(id, attachment id) of a document with the same content, judged by the digests usable now."""
    query = (
        select(_DOC.c.id, table_of(Attachment).c.id)
        .join(table_of(Attachment), table_of(Attachment).c.document_id == _DOC.c.id)
        .where(_DOC.c.content_hash.in_(list(digests.values())), _DOC.c.content_hash != "")
        .order_by(table_of(Attachment).c.created)
        .limit(1)
    )
    if session is not None:
        row = session.connection().execute(query).first()
    else:
        with store.engine.connect() as connection:
            row = connection.execute(query).first()
    return (str(row[0]), str(row[1])) if row is not None else None


def _duplicate(
    store: Store,
    path: Path,
    found: tuple[str, str],
    settings: InboxSettings,
    keys: dict[str, bytes],
    digests: dict[str, str],
    before: _Fingerprint,
    result: Callable[..., IntakeResult],
) -> IntakeResult:
    """Report a duplicate; remove the original only when asked and when the stored twin verifies."""
    document_id, attachment_id = found
    with store.read() as session:
        twin = session.get(Document, document_id)
        assert twin is not None
        title = store.display(twin, "title")
        twin_key = "confidential" if twin.confidential else "store"
        expected, size = twin.content_hash, twin.size
    removed = False
    if settings.remove_originals and twin_key in keys and digests.get(twin_key) == expected:
        with contextlib.suppress(GmassistError):
            if _verify(store, attachment_id, keys[twin_key], expected, size):
                removed = _remove_if_unchanged(path, before)
    if removed:
        message = _("{name} is already in the inbox as “{title}”; the duplicate was removed.")
    else:
        message = _("{name} is already in the inbox as “{title}”; nothing new was stored.")
    return result(
        IntakeStatus.DUPLICATE,
        message.format(name=path.name, title=title),
        document_id=document_id,
        removed_original=removed,
        verified=removed,
    )


def _remove_if_unchanged(path: Path, before: _Fingerprint) -> bool:
    """Remove the original if it is still the very file that was read."""
    try:
        if _Fingerprint.of(os.stat(path)) != before:
            return False
        path.unlink()
    except OSError:
        return False
    return True


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, and the files inside folders named (recursively, sorted), skipping temporary ones."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for root, folders, files in os.walk(path):
                folders[:] = sorted(f for f in folders if not f.startswith("."))
                out.extend(Path(root) / name for name in sorted(files) if not intake.is_temporary_name(name))
        else:
            out.append(path)
    return out


def ingest_paths(
    store: Store,
    paths: Iterable[Path | str],
    *,
    settings: InboxSettings | None = None,
    level: str = SecurityLevel.INTERNAL.value,
    progress: Callable[[IntakeResult], None] | None = None,
) -> list[IntakeResult]:
    """Take in every file named (folders: every file inside); one result per file, in order."""
    rules = load_rules(store)
    results = []
    for path in expand_paths(paths):
        outcome = ingest_file(store, path, settings=settings, level=level, rules=rules)
        results.append(outcome)
        if progress is not None:
            progress(outcome)
    return results


class FolderWatcher:
    """Polls the watched folder: files that stayed the same between two polls are taken in.

    A file still being written changes between polls and waits; sub-folders named after a security
    level (confidential/机密, secret/绝密...) set the level of what is dropped into them. A file that was
    offered and stays (kept originals, duplicates, unreadable files) is not offered again until it
    changes, so each gets one message.
    """

    def __init__(self, folder: Path, settings: InboxSettings) -> None:
        self.folder = folder
        """The folder watched."""
        self.settings = settings
        self._pending: dict[Path, _Fingerprint] = {}
        self._done: dict[Path, _Fingerprint] = {}
        self.missing = False
        """The configured folder does not exist (the default one is made when missing)."""

    def ready(self) -> list[tuple[Path, SecurityLevel]]:
        """Files unchanged since the last poll and not offered yet, with the level their folder sets."""
        self.missing = False
        if not self.folder.exists():
            if self.settings.watch_folder:
                self.missing = True
                return []
            ensure_private_dir(self.folder)
        seen: dict[Path, _Fingerprint] = {}
        for path in expand_paths([self.folder]):
            try:
                info = path.stat()
            except OSError:
                continue
            if path.is_file():
                seen[path] = _Fingerprint.of(info)
        ready = []
        for path, mark in seen.items():
            if self._done.get(path) == mark:
                continue
            if self._pending.get(path) == mark:
                parts = path.relative_to(self.folder).parts[:-1]
                level = intake.level_for_folder(parts) or SecurityLevel.INTERNAL
                ready.append((path, level))
        self._pending = {p: m for p, m in seen.items() if self._done.get(p) != m}
        self._done = {p: m for p, m in self._done.items() if p in seen}
        return ready

    def poll(self, store: Store) -> list[IntakeResult]:
        """Take in the files that are ready; returns what happened to each."""
        results = []
        rules = load_rules(store)
        for path, level in self.ready():
            outcome = ingest_file(store, path, settings=self.settings, level=level.value, rules=rules)
            if outcome.status not in (IntakeStatus.CHANGED, IntakeStatus.LOCKED, IntakeStatus.VANISHED):
                with contextlib.suppress(OSError):
                    self._done[path] = _Fingerprint.of(path.stat())
            self._pending.pop(path, None)
            results.append(outcome)
        return results


# --- the document ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    """One routing step as shown in the history."""

    at: datetime
    from_state: str
    to_state: str
    action: str | None
    """The action's code (None for a pair the state machine does not know)."""
    actor: str
    holder: str
    comment: str


@dataclass(frozen=True)
class LinkView:
    """Something linked to the document: an event, follow-up, card or another document."""

    kind: str
    id: str
    title: str
    relation: str


@dataclass(frozen=True)
class FileView:
    """One stored file of the document."""

    id: str
    name: str
    mime: str
    size: int


@dataclass(frozen=True)
class Reason:
    """Why a field has its value: which rule set it (and what matched), or that it was set by hand."""

    field: str
    value: str
    rule_name: str = ""
    matched_field: str = ""
    matched_text: str = ""
    by_hand: bool = False
    """Set by hand: rules leave it alone (`rule_name` then names a rule that would have set `value`)."""


@dataclass(frozen=True)
class DocumentDetail:
    """Everything the document pane shows, with sealed values opened or masked."""

    id: str
    title: str
    number: str
    doc_type: str
    sender: str
    recipients: str
    department_id: str | None
    department: str
    received: datetime
    reply_by: date | None
    security_level: str
    urgency: str
    state: str
    state_since: datetime
    holder: str
    holder_name: str
    notes: str
    file_name: str
    mime: str
    size: int
    version: int
    parent_id: str | None
    confidential: bool
    masked: bool
    """Confidential and locked: the text fields show the mask."""
    tags: list[str]
    steps: list[StepView]
    links: list[LinkView]
    files: list[FileView]
    versions: list[tuple[str, int]]
    """(id, version) of every version of this draft, oldest first."""
    reasons: list[Reason]
    overrides: frozenset[str]
    waited: timedelta
    stale: bool
    allowed: list[str]
    """Routing actions allowed now (codes)."""

    @property
    def in_app(self) -> bool:
        """Whether the app shows this document itself (text, Markdown, e-mail) rather than a viewer."""
        return self.mime in IN_APP_MIMES

    @property
    def editable(self) -> bool:
        """Whether its text can be revised into a new version (a Markdown or text draft)."""
        return self.mime in ("text/markdown", "text/plain")


def _load(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise InvalidInput(_("no document with id {id}").format(id=document_id))
    return document


def resolve_id(store: Store, prefix: str) -> str:
    """The full id of the document whose id starts with `prefix` (the list shows 8 characters)."""
    prefix = prefix.strip()
    if len(prefix) < 4:
        raise InvalidInput(_("give at least 4 characters of the document's id"), "id")
    with store.engine.connect() as connection:
        ids = (
            connection.execute(
                select(_DOC.c.id).where(_DOC.c.id.startswith(prefix, autoescape=True)).limit(2)
            )
            .scalars()
            .all()
        )
    if not ids:
        raise InvalidInput(_("no document with id {id}").format(id=prefix), "id")
    if len(ids) > 1:
        raise InvalidInput(
            _("more than one document's id starts with {id}; give more of it").format(id=prefix), "id"
        )
    return str(ids[0])


def department_names(store: Store) -> dict[str, str]:
    """Department id -> name (masked while locked when confidential)."""
    with store.engine.connect() as connection:
        rows = connection.execute(select(_DEPT.c.id, _DEPT.c.name, _DEPT.c.confidential)).all()
    return {
        row.id: (store.reveal(_DEPT.name, "name", row.id, row.name) if row.confidential else row.name)
        for row in rows
    }


def holder_label(holder: str, departments: dict[str, str]) -> str:
    """What to show for a holder: assistant / manager / archive translated, a department by its name."""
    fixed = {ASSISTANT: _("Assistant"), MANAGER: _("Manager"), "archive": _("Archive")}
    if holder in fixed:
        return fixed[holder]
    return departments.get(holder, holder)


def tags_of(store: Store, document_id: str) -> list[str]:
    """The document's tag names, sorted."""
    with store.engine.connect() as connection:
        return sorted(
            connection.execute(
                select(_TAG.c.name)
                .join(_TAGGING, _TAGGING.c.tag_id == _TAG.c.id)
                .where(_TAGGING.c.item_kind == DOCUMENT_KIND, _TAGGING.c.item_id == document_id)
            ).scalars()
        )


def document_detail(store: Store, document_id: str, *, stale_days: float = 3) -> DocumentDetail:
    """The document with its tags, routing history, links, files, versions and rule explanations."""
    now = store.clock.now()
    departments = department_names(store)
    with store.read() as session:
        doc = _load(session, document_id)
        masked = doc.confidential and not store.confidential_unlocked

        def show(name: str) -> str:
            return store.display(doc, name)

        steps = [
            StepView(
                at=step.at,
                from_state=step.from_state,
                to_state=step.to_state,
                action=(found.value if (found := action_for(step.from_state, step.to_state)) else None),
                actor=step.actor,
                holder=holder_label(step.holder, departments) if step.holder else "",
                comment=store.display(step, "comment"),
            )
            for step in session.exec(
                orm_select(RoutingStep)
                .where(col(RoutingStep.document_id) == document_id)
                .order_by(col(RoutingStep.at), col(RoutingStep.created))
            ).all()
        ]
        files = [
            FileView(a.id, store.display(a, "name"), a.mime, a.size)
            for a in session.exec(
                orm_select(Attachment)
                .where(col(Attachment.document_id) == document_id)
                .order_by(col(Attachment.created))
            ).all()
        ]
        links = _links(session, store, document_id)
        versions = _versions(session, doc)
        reasons: list[Reason] = []
        overrides = parse_overrides(doc.overrides)
        if not masked:
            reasons = _reasons(doc, load_rules(store), overrides, tags_of(store, document_id))
        detail = DocumentDetail(
            id=doc.id,
            title=show("title"),
            number=show("number"),
            doc_type=doc.doc_type,
            sender=show("sender"),
            recipients=show("recipients"),
            department_id=doc.department_id,
            department=departments.get(doc.department_id or "", doc.department_id or ""),
            received=doc.received,
            reply_by=doc.reply_by,
            security_level=doc.security_level,
            urgency=doc.urgency,
            state=doc.state,
            state_since=doc.state_since,
            holder=doc.holder,
            holder_name=holder_label(doc.holder, departments),
            notes=show("notes"),
            file_name=show("file_name"),
            mime=doc.mime,
            size=doc.size,
            version=doc.version,
            parent_id=doc.parent_id,
            confidential=doc.confidential,
            masked=masked,
            tags=tags_of(store, document_id),
            steps=steps,
            links=links,
            files=files,
            versions=versions,
            reasons=reasons,
            overrides=overrides,
            waited=time_in_state(doc.state_since, now),
            stale=is_waiting_too_long(doc.state, doc.state_since, now, stale_days),
            allowed=allowed_actions(doc.state),
        )
    return detail


def _versions(session: Session, doc: Document) -> list[tuple[str, int]]:
    """Every version of a draft: follow parent_id back to the first, then children forward."""
    if doc.parent_id is None and doc.version == 1:
        newer = session.exec(orm_select(col(Document.id)).where(col(Document.parent_id) == doc.id)).first()
        if newer is None:
            return [(doc.id, 1)]
    first = doc
    seen = {doc.id}
    while first.parent_id and first.parent_id not in seen:
        parent = session.get(Document, first.parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        first = parent
    chain = [(first.id, first.version)]
    current = first.id
    for _step in range(1000):
        child = session.exec(
            orm_select(col(Document.id), col(Document.version)).where(col(Document.parent_id) == current)
        ).first()
        if child is None:
            break
        chain.append((child[0], child[1]))
        current = child[0]
    return chain


def _links(session: Session, store: Store, document_id: str) -> list[LinkView]:
    models: dict[str, Any] = {"event": Event, "followup": FollowUp, "card": Card, "document": Document}
    found: list[tuple[str, str, str]] = []
    for link in session.exec(
        orm_select(Link).where(
            or_(
                and_(col(Link.a_kind) == DOCUMENT_KIND, col(Link.a_id) == document_id),
                and_(col(Link.b_kind) == DOCUMENT_KIND, col(Link.b_id) == document_id),
            )
        )
    ).all():
        if link.a_kind == DOCUMENT_KIND and link.a_id == document_id:
            found.append((link.b_kind, link.b_id, link.relation))
        else:
            found.append((link.a_kind, link.a_id, link.relation))
    for prep in session.exec(orm_select(PrepItem).where(col(PrepItem.document_id) == document_id)).all():
        found.append(("event", prep.event_id, "prepares"))
    for followup in session.exec(
        orm_select(FollowUp).where(
            col(FollowUp.source_id) == document_id, col(FollowUp.source_kind) == "instruction"
        )
    ).all():
        found.append(("followup", followup.id, "source"))
    out: list[LinkView] = []
    seen: set[tuple[str, str]] = set()
    for kind, item_id, relation in found:
        if (kind, item_id) in seen:
            continue
        seen.add((kind, item_id))
        model = models.get(kind)
        item = session.get(model, item_id) if model is not None else None
        title = store.display(item, "title") if item is not None else item_id
        out.append(LinkView(kind, item_id, title, relation))
    return out


def _reasons(
    doc: Document, rules: Sequence[Rule], overrides: frozenset[str], tags: list[str]
) -> list[Reason]:
    """Which rule set each classified value the document still has, and which values were set by hand."""
    result = classify(doc, rules, overrides)
    reasons: list[Reason] = []
    current = {"doc_type": doc.doc_type, "department_id": doc.department_id or "", "urgency": doc.urgency}
    for item in result.explanations:
        holds = item.value in tags if item.field == "tags" else current.get(item.field) == item.value
        if holds:
            reasons.append(
                Reason(item.field, item.value, item.rule_name, item.matched_field.value, item.matched_text)
            )
    for name in sorted(overrides):
        value = ", ".join(tags) if name == "tags" else str(current.get(name, ""))
        would = next((k for k in result.kept_by_hand if k.field == name), None)
        reasons.append(Reason(name, value, would.rule_name if would else "", by_hand=True))
    return reasons


EDITABLE_FIELDS: tuple[str, ...] = (
    "title",
    "number",
    "doc_type",
    "sender",
    "recipients",
    "department_id",
    "received",
    "reply_by",
    "security_level",
    "urgency",
    "notes",
)
"""Fields the assistant may set by hand."""


def update_document(store: Store, document_id: str, changes: dict[str, Any]) -> list[str]:
    """Set fields by hand; returns the names changed. Fields rules could set become sticky overrides.

    Changing the security level across the confidential line (internal -> confidential...) seals or
    opens the document's text, files and routing comments, so it needs the confidential key.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("unknown field(s): {names}").format(names=", ".join(sorted(unknown))))
    values = dict(changes)
    try:
        if "doc_type" in values:
            values["doc_type"] = parse_doc_type(str(values["doc_type"])).value
        if "urgency" in values:
            values["urgency"] = parse_urgency(str(values["urgency"])).value
        if "security_level" in values:
            values["security_level"] = parse_security_level(str(values["security_level"])).value
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if "title" in values and not str(values["title"]).strip():
        raise InvalidInput(_("a document needs a title"), "title")
    if values.get("received") is not None and values["received"].tzinfo is None:
        raise InvalidInput(_("the received time needs a time zone"), "received")
    changed: list[str] = []
    with store.action("inbox.edit") as session:
        doc = _load(session, document_id)
        if doc.confidential and not store.confidential_unlocked:
            raise Locked(_("confidential items are locked; unlock them first"))
        for name, value in values.items():
            if name == "department_id":
                value = value or None
            if getattr(doc, name) != value:
                setattr(doc, name, value)
                changed.append(name)
        if "security_level" in changed:
            _set_confidential(session, store, doc, parse_security_level(doc.security_level).is_confidential)
        hand = {"doc_type", "department_id", "urgency"} & set(changed)
        if hand:
            doc.overrides = format_overrides(parse_overrides(doc.overrides) | hand)
    return changed


def _set_confidential(session: Session, store: Store, doc: Document, confidential: bool) -> None:
    """Move a document across the confidential line: its row, files and routing comments are sealed (or
    opened) in the same action, and its digest is taken again under the other key. Needs the
    confidential key either way."""
    if doc.confidential == confidential:
        return
    key = store.confidential_key()
    doc.confidential = confidential
    for step in session.exec(orm_select(RoutingStep).where(col(RoutingStep.document_id) == doc.id)).all():
        step.confidential = confidential
    attachments = session.exec(
        orm_select(Attachment)
        .where(col(Attachment.document_id) == doc.id)
        .order_by(col(Attachment.created), col(Attachment.id))
    ).all()
    fresh = [_reseal(session, attachment, key, confidential) for attachment in attachments]
    if fresh and doc.content_hash:
        digest_key = store.derived_key(DIGEST_PURPOSE, confidential=confidential)
        doc.content_hash = content_digest(
            _chunks_in_session(session, fresh[0].id, key if confidential else None), digest_key
        )


def _chunks_in_session(
    session: Session, attachment_id: str, key: crypto.ConfidentialKey | None
) -> Iterator[bytes]:
    connection = session.connection()
    seq = 0
    while True:
        data = connection.execute(
            select(_CHUNK.c.data).where(_CHUNK.c.attachment_id == attachment_id, _CHUNK.c.seq == seq)
        ).scalar()
        if data is None:
            return
        yield crypto.open_bytes(key, crypto.chunk_aad(attachment_id, seq), data) if key else bytes(data)
        seq += 1


def _reseal(
    session: Session, attachment: Attachment, key: crypto.ConfidentialKey, confidential: bool
) -> Attachment:
    """Store one file again on the other side of the confidential line, under a new attachment id
    (sealed chunks are bound to their attachment), chunk by chunk, and remove the old one.

    The change log keeps each old chunk for undo, but only ever sealed: a chunk that was plain and is
    now confidential is logged in the sealed form of `crypto.seal_logged_chunk`, which undo opens
    again when it puts the plain chunk back."""
    from sqlalchemy import delete

    old_id = attachment.id
    fresh = Attachment(
        created=attachment.created,  # keeps the order of the document's files
        updated=session.info["now"],
        document_id=attachment.document_id,
        name=attachment.name,
        mime=attachment.mime,
        size=attachment.size,
        confidential=confidential,
    )
    session.add(fresh)
    session.flush()
    connection = session.connection()
    logged: list[dict[str, Any]] = []
    seq = 0
    while True:
        stored = connection.execute(
            select(_CHUNK.c.data).where(_CHUNK.c.attachment_id == old_id, _CHUNK.c.seq == seq)
        ).scalar()
        if stored is None:
            break
        stored = bytes(stored)
        if confidential:  # plain -> sealed
            plain = stored
            new = crypto.seal_bytes(key, crypto.chunk_aad(fresh.id, seq), plain)
            kept = crypto.seal_logged_chunk(key, old_id, seq, plain)
        else:  # sealed -> plain: the old value is sealed already
            new = crypto.open_bytes(key, crypto.chunk_aad(old_id, seq), stored)
            kept = stored
        connection.execute(insert(_CHUNK).values(attachment_id=fresh.id, seq=seq, data=new))
        connection.execute(delete(_CHUNK).where(_CHUNK.c.attachment_id == old_id, _CHUNK.c.seq == seq))
        logged.append(_chunk_change(session.info, fresh.id, seq, "insert", None))
        logged.append(_chunk_change(session.info, old_id, seq, "delete", kept))
        seq += 1
    fresh.chunks = seq
    if logged:
        connection.execute(insert(_CHANGE), logged)
    session.delete(attachment)  # flushed after the chunk log rows, so undo restores it before its chunks
    return fresh


def _chunk_change(
    info: dict[str, Any], attachment_id: str, seq: int, op: str, data: bytes | None
) -> dict[str, Any]:
    """A change-log row for one chunk written outside the ORM (its key; its value only when sealed)."""
    import base64

    row: dict[str, Any] = {"attachment_id": attachment_id, "seq": seq}
    if data is not None:
        row["data"] = base64.b64encode(data).decode("ascii")
    text = json.dumps(row)
    return {
        "action_id": info["action_id"],
        "at": info["now"],
        "actor": info["store"].actor,
        "label": info["label"],
        "table_name": _CHUNK.name,
        "row_id": f"{attachment_id}|{seq}",
        "op": op,
        "before": text if op != "insert" else "",
        "after": text if op == "insert" else "",
        "undoes": None,
    }


def set_tags(store: Store, document_id: str, names: Iterable[str]) -> list[str]:
    """Replace the document's tags by `names` (made when new); tags become set by hand (rules keep off)."""
    wanted = [name for name in dict.fromkeys(n.strip() for n in names) if name]
    with store.action("inbox.tag") as session:
        doc = _load(session, document_id)
        current = {
            tag.name: tagging
            for tagging, tag in session.exec(
                orm_select(Tagging, Tag)
                .join(Tag, col(Tag.id) == Tagging.tag_id)
                .where(col(Tagging.item_kind) == DOCUMENT_KIND, col(Tagging.item_id) == document_id)
            ).all()
        }
        for name, tagging in current.items():
            if name not in wanted:
                session.delete(tagging)
        _add_tags(session, document_id, [name for name in wanted if name not in current])
        doc.overrides = format_overrides(parse_overrides(doc.overrides) | {"tags"})
    return wanted


# --- routing ----------------------------------------------------------------------------------------------


def refusal(exc: IllegalTransition) -> str:
    """A translated line that says why a routing move was refused."""
    try:
        action = _(ACTION_LABELS[Action(exc.action)])
    except ValueError:
        action = exc.action
    if exc.code == "illegal_transition":
        try:
            state = _(STATE_LABELS[State(exc.state)])
            allowed = ", ".join(_(ACTION_LABELS[Action(a)]) for a in allowed_actions(exc.state))
        except ValueError:
            return exc.reason
        why = re.search(r": (.+?)\. Allowed now:", exc.reason)
        return _(
            "“{action}” is not possible while the document is “{state}”{why}. Possible now: {allowed}."
        ).format(
            action=action,
            state=state,
            why=f" ({why.group(1)})" if why else "",
            allowed=allowed or _("nothing (it is final)"),
        )
    if exc.code == "comment_required":
        return _("“{action}” needs a comment: the instruction's text or a reason.").format(action=action)
    if exc.code == "holder_required":
        return _("“{action}” needs the department that will hold the document.").format(action=action)
    return exc.reason


@dataclass(frozen=True)
class Routed:
    """The outcome of a routing move."""

    from_state: str
    to_state: str
    holder: str
    followup_ids: list[str]
    """Follow-ups made from the instruction (record instruction with follow-ups)."""


def _actor_for(action: Action, doc: Document, actor: str) -> str:
    """Who the step names: the manager gives instructions; whoever holds it returns it or starts work."""
    if action is Action.RECORD_INSTRUCTION:
        return MANAGER
    if action in (Action.RETURN, Action.START) and doc.holder and doc.holder != ASSISTANT:
        return doc.holder
    return actor


def route(
    store: Store,
    document_id: str,
    action: str,
    *,
    comment: str = "",
    holder: str | None = None,
    actor: str | None = None,
    make_followups: bool = False,
    due: date | None = None,
) -> Routed:
    """Move a document one step (one action, one RoutingStep row); InvalidInput with the reason when the
    move is not allowed. Recording an instruction with `make_followups` also turns it into follow-ups."""
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput(_("unknown action {action}").format(action=action), "action") from None
    with store.action(f"inbox.{act.value}") as session:
        doc = _load(session, document_id)
        try:
            step = transition(
                doc,
                act.value,
                actor=_actor_for(act, doc, actor or store.actor),
                now=store.clock.now(),
                comment=comment,
                holder=holder,
            )
        except IllegalTransition as exc:
            raise InvalidInput(refusal(exc), "action") from exc
        for name, value in step.document_fields().items():
            setattr(doc, name, value)
        session.add(
            RoutingStep(document_id=doc.id, confidential=doc.confidential, **step.routing_step_fields())  # type: ignore[arg-type]
        )
        made: list[str] = []
        if act is Action.RECORD_INSTRUCTION and make_followups:
            made = _followups(session, doc, step.comment, due)
    return Routed(step.from_state.value, step.to_state.value, step.holder, made)


def latest_instruction(store: Store, document_id: str) -> str:
    """The text of the manager's last recorded instruction on the document ("" when there is none)."""
    with store.read() as session:
        step = session.exec(
            orm_select(RoutingStep)
            .where(
                col(RoutingStep.document_id) == document_id,
                col(RoutingStep.to_state) == State.INSTRUCTED.value,
            )
            .order_by(col(RoutingStep.at).desc(), col(RoutingStep.created).desc())
        ).first()
        return store.display(step, "comment") if step is not None else ""


def followups_from_instruction(
    store: Store, document_id: str, text: str | None = None, *, due: date | None = None
) -> list[str]:
    """Turn the manager's instruction (the last recorded one, or `text`) into follow-ups linked to the
    document, one per task; tasks that already have a follow-up from this document are skipped."""
    instruction = text if text is not None else latest_instruction(store, document_id)
    if not instruction.strip():
        raise InvalidInput(_("the document has no recorded instruction yet"), "instruction")
    with store.action("inbox.followups") as session:
        doc = _load(session, document_id)
        return _followups(session, doc, instruction, due)


def _followups(session: Session, doc: Document, instruction: str, due: date | None) -> list[str]:
    existing = {
        f.title
        for f in session.exec(
            orm_select(FollowUp).where(
                col(FollowUp.source_id) == doc.id, col(FollowUp.source_kind) == "instruction"
            )
        ).all()
    }
    department = None
    if doc.department_id and session.get(Department, doc.department_id) is not None:
        department = doc.department_id
    made = []
    for task in intake.split_instruction(instruction):
        if task in existing:
            continue
        followup = FollowUp(
            **_stamps(session),
            title=task,
            source_kind="instruction",
            source_id=doc.id,
            requested_by=MANAGER,
            department_id=department,
            due=due or doc.reply_by,
            confidential=doc.confidential,
        )
        session.add(followup)
        session.flush()
        session.add(
            Link(
                **_stamps(session),
                a_kind=DOCUMENT_KIND,
                a_id=doc.id,
                b_kind="followup",
                b_id=followup.id,
                relation="source",
                confidential=doc.confidential,
            )
        )
        made.append(followup.id)
    return made


LINKABLE: dict[str, Any] = {"event": Event, "followup": FollowUp, "card": Card}
"""What a document can be linked to, by kind."""


def find_linkable(store: Store, kind: str, text: str = "", *, limit: int = 30) -> list[tuple[str, str]]:
    """(id, title) of events, follow-ups or cards whose title contains `text`, most recently changed
    first; confidential ones only while unlocked (their titles are matched in memory)."""
    model = LINKABLE.get(kind)
    if model is None:
        raise InvalidInput(_("cannot link to a {kind}").format(kind=kind), "kind")
    table = table_of(model)
    wanted = fold(text.strip())
    plain = select(table.c.id, table.c.title).where(not_confidential(table))
    if wanted:
        plain = plain.where(table.c.title.contains(text.strip(), autoescape=True))
    found: list[tuple[str, str, Any]] = []
    with store.engine.connect() as connection:
        rows = connection.execute(
            plain.add_columns(table.c.updated).order_by(table.c.updated.desc()).limit(limit)
        )
        found.extend((row.id, row.title, row.updated) for row in rows)
        if store.confidential_unlocked:
            sealed = connection.execute(
                select(table.c.id, table.c.title, table.c.updated).where(table.c.confidential.is_(True))
            )
            for row in sealed:
                title = str(store.reveal(table.name, "title", row.id, row.title))
                if not wanted or wanted in fold(title):
                    found.append((row.id, title, row.updated))
    found.sort(key=lambda item: item[2], reverse=True)
    return [(item_id, title) for item_id, title, _updated in found[:limit]]


def link(store: Store, document_id: str, kind: str, item_id: str, relation: str = "related") -> str:
    """Link the document to an event, follow-up, card or document; returns the link's id."""
    models: dict[str, Any] = {**LINKABLE, "document": Document}
    if kind not in models:
        raise InvalidInput(_("cannot link to a {kind}").format(kind=kind), "kind")
    with store.action("inbox.link") as session:
        doc = _load(session, document_id)
        if session.get(models[kind], item_id) is None:
            raise InvalidInput(_("no {kind} with id {id}").format(kind=kind, id=item_id), "id")
        existing = session.exec(
            orm_select(Link).where(
                col(Link.a_kind) == DOCUMENT_KIND,
                col(Link.a_id) == doc.id,
                col(Link.b_kind) == kind,
                col(Link.b_id) == item_id,
            )
        ).first()
        if existing is not None:
            return existing.id
        item = Link(
            **_stamps(session),
            a_kind=DOCUMENT_KIND,
            a_id=doc.id,
            b_kind=kind,
            b_id=item_id,
            relation=relation,
            confidential=doc.confidential,
        )
        session.add(item)
        return item.id


# --- drafts -------------------------------------------------------------------------------------------------


def create_draft(
    store: Store,
    title: str,
    markdown: str,
    *,
    level: str = SecurityLevel.INTERNAL.value,
    number: str = "",
    doc_type: str = DocType.OTHER.value,
) -> str:
    """A new draft (拟稿) in Markdown: a document in drafting, its text stored as draft.md; returns its id."""
    return _save_draft(store, None, title, markdown, level=level, number=number, doc_type=doc_type)


def revise_draft(
    store: Store, document_id: str, markdown: str, *, title: str | None = None, level: str | None = None
) -> str:
    """Save a new version of a draft (parent_id -> the old one, version + 1); the old version is kept
    as it was. The new version starts again in drafting and goes through review like any document."""
    with store.read() as session:
        old = _load(session, document_id)
        if old.confidential and not store.confidential_unlocked:
            raise Locked(_("confidential items are locked; unlock them first"))
        base = {
            "title": title if title is not None else old.title,
            "level": level or old.security_level,
            "number": old.number,
            "doc_type": old.doc_type,
        }
    return _save_draft(
        store,
        document_id,
        base["title"],
        markdown,
        level=base["level"],
        number=base["number"],
        doc_type=base["doc_type"],
    )


def _save_draft(
    store: Store, parent_id: str | None, title: str, markdown: str, *, level: str, number: str, doc_type: str
) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput(_("a draft needs a title"), "title")
    try:
        security = parse_security_level(level)
        doc_type = parse_doc_type(doc_type).value
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    data = markdown.encode("utf-8")
    keys = _digest_keys(store, confidential=security.is_confidential)
    digest = content_digest([data], keys["confidential" if security.is_confidential else "store"])
    now = store.clock.now()
    key = _chunk_key(store, security.is_confidential)
    with store.action("inbox.draft" if parent_id is None else "inbox.revise") as session:
        version = 1
        inherited: dict[str, Any] = {}
        tags: list[str] = []
        if parent_id is not None:
            parent = _load(session, parent_id)
            if (
                session.exec(orm_select(col(Document.id)).where(col(Document.parent_id) == parent_id)).first()
                is not None
            ):
                raise InvalidInput(_("this is not the latest version of the draft"), "id")
            version = parent.version + 1
            inherited = {
                "sender": parent.sender,
                "recipients": parent.recipients,
                "department_id": parent.department_id,
                "reply_by": parent.reply_by,
                "urgency": parent.urgency,
                "notes": parent.notes,
                "overrides": parent.overrides,
            }
            tags = tags_of(store, parent_id)
        doc = Document(
            **_stamps(session),
            title=title,
            number=number,
            doc_type=doc_type,
            received=now,
            security_level=security.value,
            confidential=security.is_confidential,
            state=State.DRAFTING.value,
            state_since=now,
            holder=ASSISTANT,
            body_text=markdown,
            file_name="draft.md",
            mime="text/markdown",
            size=len(data),
            content_hash=digest,
            parent_id=parent_id,
            version=version,
            **inherited,
        )
        session.add(doc)
        session.flush()
        _store_bytes(session, doc, f"draft-v{version}.md", "text/markdown", data, key)
        _add_tags(session, doc.id, tags)
        return doc.id


def read_text(store: Store, document_id: str, limit: int = VIEW_LIMIT) -> str:
    """The text of a text or Markdown document's stored file (at most `limit` bytes, decoded)."""
    files = document_files(store, document_id)
    if not files:
        raise InvalidInput(_("the document has no stored file"))
    data = bytearray()
    for chunk in iter_chunks(store, files[0].id):
        data.extend(chunk)
        if len(data) >= limit:
            break
    return extraction.decode_text(bytes(data[:limit]))[0]


def document_files(store: Store, document_id: str) -> list[FileView]:
    """The stored files of a document (its own first, then e-mail attachments)."""
    table = table_of(Attachment)
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.id, table.c.name, table.c.mime, table.c.size, table.c.confidential)
            .where(table.c.document_id == document_id)
            .order_by(table.c.created, table.c.id)
        ).all()
    return [
        FileView(
            row.id,
            store.reveal(table.name, "name", row.id, row.name) if row.confidential else row.name,
            row.mime,
            row.size,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ViewContent:
    """What the in-app viewer shows."""

    kind: str
    """markdown, text or email."""
    title: str
    text: str
    """The text (the body, for an e-mail)."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    """An e-mail's headers: (name, value)."""
    files: list[FileView] = field(default_factory=list)
    """The document's stored files (an e-mail's attachments after the message itself)."""
    cut: bool = False
    """Only the first part is shown (the file is larger than VIEW_LIMIT)."""


def view_content(store: Store, document_id: str) -> ViewContent | None:
    """The document as the app shows it, or None when it opens in the system viewer instead."""
    with store.read() as session:
        doc = _load(session, document_id)
        if doc.confidential and not store.confidential_unlocked:
            raise Locked(_("confidential items are locked; unlock them first"))
        mime, title, size = doc.mime, doc.title, doc.size
    files = document_files(store, document_id)
    if mime not in IN_APP_MIMES or not files:
        return None
    if mime == "message/rfc822":
        if size > 4 * VIEW_LIMIT:
            return None
        data = b"".join(iter_chunks(store, files[0].id))
        mail = extraction.parse_eml(data)
        headers = [
            (_("Subject"), mail.subject),
            (_("From"), mail.sender),
            (_("To"), ", ".join(mail.recipients)),
        ]
        if mail.date is not None:
            headers.append((_("Date"), mail.date.isoformat(sep=" ", timespec="minutes")))
        return ViewContent("email", title, mail.body, headers, files)
    text = read_text(store, document_id)
    kind = "markdown" if mime == "text/markdown" else "text"
    return ViewContent(kind, title, text, files=files, cut=size > VIEW_LIMIT)


def export_file(
    store: Store, attachment_id: str, target: Path, *, name: str, overwrite: bool = False
) -> Path:
    """Write a stored file to `target` (a folder: under `name` in it), 0600, atomically."""
    target = Path(target).expanduser()
    if target.is_dir():
        target = target / (Path(name).name or "document")
    if target.exists() and not overwrite:
        raise InvalidInput(_("{path} exists already; choose another path").format(path=target), "path")
    partial = target.with_name(target.name + ".part")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for chunk in iter_chunks(store, attachment_id):
                handle.write(chunk)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(_("cannot write {path}: {error}").format(path=target, error=exc.strerror)) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def export_document(store: Store, document_id: str, target: Path, *, overwrite: bool = False) -> Path:
    """Write the document's own file to `target` (a path, or a folder to put it in under its name)."""
    files = document_files(store, document_id)
    if not files:
        raise InvalidInput(_("the document has no stored file"))
    return export_file(store, files[0].id, target, name=files[0].name, overwrite=overwrite)


# --- classification rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleView:
    """A stored rule, for the rules list."""

    id: str
    name: str
    target_field: str
    match_kind: str
    pattern: str
    sets: list[tuple[str, str]]
    enabled: bool
    position: int


def list_rules(store: Store) -> list[RuleView]:
    """Every stored rule in order, valid or not."""
    table = table_of(InboxRule)
    with store.engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.position, table.c.created)).mappings().all()
    views = []
    for row in rows:
        try:
            sets = _rule_of(row).sets()
        except ValueError:
            sets = []
        views.append(
            RuleView(
                row["id"],
                row["name"],
                row["target_field"],
                row["match_kind"],
                row["pattern"],
                sets,
                bool(row["enabled"]),
                row["position"],
            )
        )
    return views


def add_rule(
    store: Store,
    name: str,
    pattern: str,
    *,
    target_field: str = "any",
    match_kind: str = "contains",
    case_insensitive: bool = True,
    set_type: str | None = None,
    set_tags: Iterable[str] = (),
    set_department: str | None = None,
    set_urgency: str | None = None,
) -> str:
    """Store a new rule after the others (checked by building it first); returns its id."""
    tags = [t for t in set_tags if t.strip()]
    rule_id = new_id()
    try:
        rule = Rule.build(
            rule_id,
            name.strip() or pattern,
            target_field,
            match_kind,
            pattern,
            case_insensitive=case_insensitive,
            set_type=set_type or None,
            set_tags=tags,
            set_department=set_department or None,
            set_urgency=set_urgency or None,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), "rule") from exc
    table = table_of(InboxRule)
    with store.engine.connect() as connection:
        last = connection.execute(select(func.max(table.c.position))).scalar()
    with store.action("inbox.rule.add") as session:
        session.add(
            InboxRule(
                **_stamps(session),
                id=rule_id,
                name=rule.name,
                target_field=rule.field.value,
                match_kind=rule.match.value,
                pattern=pattern,
                case_insensitive=case_insensitive,
                set_type=rule.set_type.value if rule.set_type else None,
                set_tags=",".join(rule.set_tags),
                set_department=rule.set_department,
                set_urgency=rule.set_urgency.value if rule.set_urgency else None,
                position=(last or 0) + 1,
            )
        )
    return rule_id


def set_rule_enabled(store: Store, rule_id: str, enabled: bool) -> None:
    """Turn a rule on or off."""
    with store.action("inbox.rule.toggle") as session:
        rule = session.get(InboxRule, rule_id)
        if rule is None:
            raise InvalidInput(_("no rule with id {id}").format(id=rule_id))
        rule.enabled = enabled


def delete_rule(store: Store, rule_id: str) -> None:
    """Remove a rule (documents keep the values it set)."""
    with store.action("inbox.rule.delete") as session:
        rule = session.get(InboxRule, rule_id)
        if rule is None:
            raise InvalidInput(_("no rule with id {id}").format(id=rule_id))
        session.delete(rule)


def reclassify(store: Store, document_ids: Iterable[str] | None = None) -> int:
    """Apply the rules again to documents (all that are readable now); fields set by hand stay. Returns
    how many documents changed."""
    rules = load_rules(store)
    with store.engine.connect() as connection:
        query = select(_DOC.c.id, _DOC.c.confidential)
        if document_ids is not None:
            query = query.where(_DOC.c.id.in_(list(document_ids)))
        rows = connection.execute(query).all()
    wanted = [row.id for row in rows if not row.confidential or store.confidential_unlocked]
    changed = 0
    for start in range(0, len(wanted), 200):
        with store.action("inbox.reclassify") as session:
            for document_id in wanted[start : start + 200]:
                doc = _load(session, document_id)
                before = (doc.doc_type, doc.department_id, doc.urgency, doc.rule_id)
                result = classify(doc, rules, doc.overrides)
                tags = _apply_classification(doc, result)
                if "tags" not in parse_overrides(doc.overrides):
                    _add_tags(session, doc.id, tags)
                if (doc.doc_type, doc.department_id, doc.urgency, doc.rule_id) != before:
                    changed += 1
    return changed
