"""Canary scan: what a person types never reaches disk in plaintext, and confidential items stay out of
exports unless asked for."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from gmassist.store import crypto, transfer
from gmassist.store.models import (
    Attachment,
    AttachmentChunk,
    Board,
    BoardColumn,
    BoardLog,
    Card,
    CheckIn,
    ChecklistItem,
    Department,
    Document,
    Event,
    FollowUp,
    Link,
    Organisation,
    Person,
    PrepItem,
    RoutingStep,
    Tag,
    TripItem,
)
from tests.conftest import NOW, PASSPHRASE

PUBLIC = ["CanaryPublicAlpha", "金丝雀公开甲乙丙", "CanaryRouteBravo", "金丝雀看板丁戊"]
SECRET = ["CanarySecretZulu", "金丝雀机密子丑寅", "CanaryChunkSecret", "金丝雀督办卯辰巳"]


def encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def fill(store) -> None:
    with store.action("canary") as s:
        org = Organisation(name=f"{PUBLIC[0]} org")
        s.add(org)
        s.flush()
        dept = Department(name=f"{PUBLIC[1]} 部门", organisation_id=org.id)
        s.add(dept)
        s.flush()
        person = Person(name=f"{PUBLIC[1]} 张", notes=PUBLIC[0], department_id=dept.id)
        secret_person = Person(name=SECRET[1], phone="13800000000", notes=SECRET[0], confidential=True)
        s.add_all([person, secret_person, Tag(name=PUBLIC[3])])
        event = Event(title=PUBLIC[0], location=PUBLIC[1], start=NOW, end=NOW + timedelta(hours=1))
        secret_event = Event(
            title=SECRET[0],
            location=SECRET[1],
            notes=SECRET[3],
            start=NOW,
            end=NOW + timedelta(hours=2),
            confidential=True,
        )
        s.add_all([event, secret_event])
        s.flush()
        s.add_all(
            [
                PrepItem(event_id=event.id, label=PUBLIC[2]),
                PrepItem(event_id=secret_event.id, label=SECRET[2], confidential=True),
                TripItem(event_id=event.id, title=PUBLIC[3], details=PUBLIC[0]),
            ]
        )
        doc = Document(title=PUBLIC[2], sender=PUBLIC[1], body_text=PUBLIC[0], received=NOW, state_since=NOW)
        secret_doc = Document(
            title=SECRET[1],
            number=SECRET[0],
            body_text=SECRET[3],
            received=NOW,
            state_since=NOW,
            security_level="secret",
            confidential=True,
        )
        s.add_all([doc, secret_doc])
        s.flush()
        s.add(
            RoutingStep(
                document_id=doc.id,
                from_state="received",
                to_state="drafting",
                actor="assistant",
                at=NOW,
                comment=PUBLIC[3],
            )
        )
        attachment = Attachment(document_id=secret_doc.id, name=f"{SECRET[0]}.txt", confidential=True)
        s.add(attachment)
        s.flush()
        key = store.confidential_key()
        s.add(
            AttachmentChunk(
                attachment_id=attachment.id,
                seq=0,
                data=crypto.seal_bytes(key, crypto.chunk_aad(attachment.id, 0), SECRET[2].encode()),
            )
        )
        followup = FollowUp(title=PUBLIC[1], notes=PUBLIC[0], due=date(2026, 12, 1))
        secret_followup = FollowUp(title=SECRET[3], notes=SECRET[1], confidential=True)
        s.add_all([followup, secret_followup])
        s.flush()
        s.add_all(
            [
                CheckIn(followup_id=followup.id, at=NOW, note=PUBLIC[2]),
                CheckIn(followup_id=secret_followup.id, at=NOW, note=SECRET[0], confidential=True),
                Link(a_kind="event", a_id=event.id, b_kind="document", b_id=doc.id),
            ]
        )
        board = Board(code="P9", name=PUBLIC[3])
        secret_board = Board(code="P10", name=SECRET[1], notes=SECRET[2], confidential=True)
        s.add_all([board, secret_board])
        s.flush()
        column = BoardColumn(board_id=board.id, name="To do")
        secret_column = BoardColumn(board_id=secret_board.id, name="To do")
        s.add_all([column, secret_column])
        s.flush()
        card = Card(board_id=board.id, column_id=column.id, seq=1, title=PUBLIC[0], notes=PUBLIC[2])
        secret_card = Card(
            board_id=secret_board.id, column_id=secret_column.id, seq=1, title=SECRET[0], confidential=True
        )
        s.add_all([card, secret_card])
        s.flush()
        s.add_all(
            [
                ChecklistItem(card_id=card.id, text=PUBLIC[1]),
                ChecklistItem(card_id=secret_card.id, text=SECRET[3], confidential=True),
                BoardLog(board_id=secret_board.id, at=NOW, text=SECRET[1], confidential=True),
            ]
        )
    # an edit and an undo, so the change log holds before/after values too
    with store.action("edit") as s:
        from sqlmodel import select

        for item in s.exec(select(Event)).all():
            item.notes = item.notes + " edited"
    store.undo()


def scan(folder: Path, needles: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                if any(encoded in data for encoded in encodings(needle)):
                    found.append(f"{needle} in {path}")
    return found


def test_nothing_typed_reaches_disk_in_plaintext(store_factory) -> None:
    store, _ = store_factory()
    fill(store)
    wal = store.paths.database.with_name("gmassist.db-wal")
    assert wal.exists() and wal.stat().st_size > 0  # scanned while the WAL still holds the writes...
    assert scan(store.paths.root, PUBLIC + SECRET) == []
    store.close()  # ...and after close
    assert scan(store.paths.root, PUBLIC + SECRET) == []
    assert scan(Path(os.environ["TMPDIR"]), PUBLIC + SECRET) == []
    names = {p.name for p in store.paths.root.iterdir()}
    assert names <= {"gmassist.db", "gmassist.db-wal", "gmassist.db-shm", "keys.json"}


def test_export_leaves_confidential_items_out_unless_asked(store_factory) -> None:
    store, _ = store_factory()
    fill(store)
    plain = transfer.dumps(transfer.export_data(store, include_confidential=False))
    for needle in SECRET:
        assert needle not in plain
    for needle in PUBLIC:
        assert needle in plain
    full = transfer.dumps(transfer.export_data(store, include_confidential=True))
    for needle in SECRET + PUBLIC:
        assert needle in full
    store.lock_confidential()
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert transfer.dumps(transfer.export_data(store, include_confidential=True)) is not None
