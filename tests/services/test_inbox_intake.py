"""收文 intake: each kind of file, duplicates, files that cannot be read, vanish or change while read, and
originals removed only once the stored copy is verified; memory stays bounded for a 200 MB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from gmassist.config import InboxSettings
from gmassist.domain.inbox import content_digest
from gmassist.services import inbox
from gmassist.services.inbox import IntakeStatus
from gmassist.store import crypto
from tests.conftest import PASSPHRASE
from tests.domain.test_extract import built_message, make_docx, make_pdf, p, r


def count(store, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text(f"select count(*) from {table}")).scalar_one())


def stored_bytes(store, document_id: str) -> bytes:
    files = inbox.document_files(store, document_id)
    return b"".join(inbox.iter_chunks(store, files[0].id))


@pytest.fixture
def store(store_factory):
    store, _recovery = store_factory()
    return store


@pytest.fixture
def drop(tmp_path: Path):
    folder = tmp_path / "drop"
    folder.mkdir()

    def write(name: str, data: bytes | str) -> Path:
        path = folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return write


# --- each kind of file ----------------------------------------------------------------------------------


def test_text_file_becomes_a_document_with_its_text_number_and_title(store, drop) -> None:
    path = drop("scan001.txt", "总经理办公室\n关于2027年度预算编制的请示\n总办〔2026〕12号\n请审阅。")
    result = inbox.ingest_file(store, path)
    assert result.status is IntakeStatus.TAKEN_IN and result.verified and not result.removed_original
    assert "scan001.txt" in result.message
    detail = inbox.document_detail(store, result.document_id)
    assert detail.title == "关于2027年度预算编制的请示"
    assert detail.number == "总办〔2026〕12号"
    assert (detail.state, detail.holder, detail.mime) == ("received", "assistant", "text/plain")
    assert stored_bytes(store, result.document_id) == path.read_bytes()
    assert path.exists()  # remove_originals is off by default


def test_markdown_title_is_its_heading(store, drop) -> None:
    result = inbox.ingest_file(store, drop("notes.md", "# Board pack Q3\n\nRevenue up."))
    assert inbox.document_detail(store, result.document_id).title == "Board pack Q3"
    assert inbox.document_detail(store, result.document_id).mime == "text/markdown"


def test_eml_becomes_a_document_with_subject_sender_date_and_attachments(store, drop) -> None:
    result = inbox.ingest_file(store, drop("mail.eml", built_message()))
    assert result.status is IntakeStatus.TAKEN_IN
    detail = inbox.document_detail(store, result.document_id)
    assert detail.title == "关于2027年度预算的请示"
    assert detail.sender == "张三 <zhangsan@example.com>"
    assert detail.doc_type == "email"
    assert detail.received.isoformat().startswith("2026-11-03")  # the mail's own date
    names = [f.name for f in detail.files]
    assert names[0] == "mail.eml" and "2027年度预算表.pdf" in names and "说明.txt" in names
    pdf = next(f for f in detail.files if f.name.endswith(".pdf"))
    assert b"".join(inbox.iter_chunks(store, pdf.id)) == b"%PDF-1.4 fake"
    view = inbox.view_content(store, result.document_id)
    assert view is not None and view.kind == "email" and ("Subject", "关于2027年度预算的请示") in view.headers


def test_docx_and_pdf_text_is_searchable(store, drop) -> None:
    docx = drop(
        "合同.docx",
        make_docx(Path(os.environ["TMPDIR"]) / "x.docx", p(r("甲方乙方采购合同条款"))).read_bytes(),
    )
    Path(os.environ["TMPDIR"], "x.docx").unlink()
    pdf = drop("report.pdf", make_pdf("Quarterly Budget Review"))
    for path in (docx, pdf):
        assert inbox.ingest_file(store, path).status is IntakeStatus.TAKEN_IN
    assert [d["title"] for d in inbox.search(store, "采购合同")] == ["合同"]
    assert [d["title"] for d in inbox.search(store, "budget review")] == ["Quarterly Budget Review"]
    assert inbox.view_content(store, inbox.search(store, "budget review")[0]["id"]) is None  # opens outside


def test_unknown_binary_is_stored_without_text(store, drop) -> None:
    data = bytes(range(256)) * 100
    result = inbox.ingest_file(store, drop("photo.jpg", data))
    assert result.status is IntakeStatus.TAKEN_IN
    assert stored_bytes(store, result.document_id) == data
    assert inbox.document_detail(store, result.document_id).mime == "image/jpeg"


# --- duplicates and failures lose nothing ------------------------------------------------------------


def test_the_same_content_twice_is_one_document_and_the_user_is_told(store, drop) -> None:
    first = inbox.ingest_file(store, drop("a.txt", "同一份文件 same content"))
    again = inbox.ingest_file(store, drop("copy of a.txt", "同一份文件 same content"))
    assert again.status is IntakeStatus.DUPLICATE and again.document_id == first.document_id
    assert "already in the inbox" in again.message and "a" in again.message
    assert count(store, "document") == 1 and count(store, "attachment") == 1
    assert (Path(again.path)).exists()  # kept: remove_originals is off


def test_a_duplicate_is_removed_only_when_asked_and_its_twin_verifies(store, drop) -> None:
    inbox.ingest_file(store, drop("a.txt", "twin content"))
    path = drop("b.txt", "twin content")
    result = inbox.ingest_file(store, path, settings=InboxSettings(remove_originals=True))
    assert result.status is IntakeStatus.DUPLICATE and result.removed_original and not path.exists()


def test_the_digest_is_keyed_from_the_store_key_not_a_constant(store, store_factory, drop) -> None:
    path = drop("a.txt", "digest me")
    result = inbox.ingest_file(store, path)
    stored = inbox.document_detail(store, result.document_id)
    with store.engine.connect() as connection:
        digest = connection.execute(text("select content_hash from document")).scalar_one()
    key = store.derived_key(inbox.DIGEST_PURPOSE)
    assert digest == content_digest([path.read_bytes()], key)
    other, _ = store_factory("other")
    assert other.derived_key(inbox.DIGEST_PURPOSE) != key  # another store, another key
    import hashlib

    assert digest != hashlib.sha256(path.read_bytes()).hexdigest()
    assert stored.id == result.document_id


def test_an_unreadable_file_is_left_alone_with_a_clear_message(store, drop, monkeypatch) -> None:
    path = drop("secret.txt", "cannot read me")

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(inbox, "open", refuse, raising=False)
    result = inbox.ingest_file(store, path, settings=InboxSettings(remove_originals=True))
    assert result.status is IntakeStatus.UNREADABLE
    assert "secret.txt" in result.message and "Permission denied" in result.message
    assert path.read_text() == "cannot read me"
    assert count(store, "document") == 0


def test_a_file_gone_before_it_is_read(store, tmp_path) -> None:
    result = inbox.ingest_file(store, tmp_path / "gone.txt")
    assert result.status is IntakeStatus.VANISHED and "vanished" in result.message
    assert count(store, "document") == 0


def test_a_file_that_vanishes_mid_copy_stores_nothing_half_done(store, drop) -> None:
    path = drop("big.bin", os.urandom(3 * inbox.CHUNK_BYTES + 5))

    def vanish(done: int, total: int) -> None:
        path.unlink()
        raise FileNotFoundError(2, "No such file or directory")

    result = inbox.ingest_file(store, path, progress=vanish)
    assert result.status is IntakeStatus.VANISHED and "nothing was stored" in result.message
    for table in ("document", "attachment", "attachment_chunk", "change"):
        assert count(store, table) == 0, table


def test_a_file_unlinked_mid_copy_is_still_stored_whole(store, drop) -> None:
    data = os.urandom(2 * inbox.CHUNK_BYTES + 7)
    path = drop("moved.bin", data)
    result = inbox.ingest_file(store, path, progress=lambda done, total: path.unlink(missing_ok=True))
    assert result.status is IntakeStatus.TAKEN_IN and result.verified
    assert stored_bytes(store, result.document_id) == data


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "streamed"])
def test_a_file_that_changes_mid_copy_stores_nothing(store, drop, monkeypatch, streamed) -> None:
    if streamed:
        monkeypatch.setattr(inbox, "TEXT_LIMIT", inbox.CHUNK_BYTES)
    path = drop("growing.log", b"x" * (3 * inbox.CHUNK_BYTES))

    def append(done: int, total: int) -> None:
        if done == inbox.CHUNK_BYTES:
            with open(path, "ab") as handle:
                handle.write(b"more")

    result = inbox.ingest_file(store, path, progress=append)
    assert result.status is IntakeStatus.CHANGED and "tried again" in result.message
    assert path.stat().st_size == 3 * inbox.CHUNK_BYTES + 4
    for table in ("document", "attachment", "attachment_chunk", "change"):
        assert count(store, table) == 0, table


def test_streamed_duplicate_rolls_back(store, drop, monkeypatch) -> None:
    monkeypatch.setattr(inbox, "TEXT_LIMIT", 10)
    data = os.urandom(inbox.CHUNK_BYTES + 10)
    first = inbox.ingest_file(store, drop("a.bin", data))
    changes = count(store, "change")
    again = inbox.ingest_file(store, drop("b.bin", data))
    assert again.status is IntakeStatus.DUPLICATE and again.document_id == first.document_id
    assert count(store, "document") == 1 and count(store, "change") == changes


# --- originals --------------------------------------------------------------------------------------------


def test_the_original_is_removed_only_after_the_stored_copy_verifies(store, drop, monkeypatch) -> None:
    settings = InboxSettings(remove_originals=True)
    kept = drop("kept.txt", "verify me first")
    monkeypatch.setattr(inbox, "_verify", lambda *args: False)
    result = inbox.ingest_file(store, kept, settings=settings)
    assert result.status is IntakeStatus.TAKEN_IN and not result.verified and kept.exists()
    assert "did not verify" in result.message
    monkeypatch.undo()
    removed = drop("removed.txt", "verified copy")
    result = inbox.ingest_file(store, removed, settings=settings)
    assert result.verified and result.removed_original and not removed.exists()
    assert stored_bytes(store, result.document_id) == b"verified copy"


def test_a_file_replaced_after_reading_is_not_removed(store, drop) -> None:
    path = drop("a.txt", "first version")

    def replace(done: int, total: int) -> None:
        path.unlink()
        path.write_text("a new file under the old name")

    result = inbox.ingest_file(store, path, settings=InboxSettings(remove_originals=True), progress=replace)
    assert result.status is IntakeStatus.TAKEN_IN and not result.removed_original
    assert path.read_text() == "a new file under the old name"


def test_undo_takes_an_intake_back_whole(store, drop) -> None:
    result = inbox.ingest_file(store, drop("a.bin", os.urandom(2 * inbox.CHUNK_BYTES + 1)))
    assert count(store, "attachment_chunk") == 3
    assert store.undo() == "inbox.ingest"
    for table in ("document", "attachment", "attachment_chunk"):
        assert count(store, table) == 0, table
    assert result.document_id is not None


# --- confidential -------------------------------------------------------------------------------------


def test_a_confidential_file_is_sealed_chunk_by_chunk(store, drop) -> None:
    data = b"CanaryChunkSecret " * 100_000  # two chunks
    result = inbox.ingest_file(store, drop("机密.txt", data), level="secret")
    assert result.status is IntakeStatus.TAKEN_IN
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("select attachment_id, seq, data from attachment_chunk order by seq")
        ).all()
        title = connection.execute(text("select title, body_text from document")).one()
    assert len(rows) == 2 and all(b"CanaryChunkSecret" not in bytes(row.data) for row in rows)
    assert crypto.is_sealed(title[0]) and crypto.is_sealed(title[1])
    key = store.confidential_key()
    assert (
        crypto.open_bytes(key, crypto.chunk_aad(rows[1].attachment_id, 1), rows[1].data)
        == data[inbox.CHUNK_BYTES : 2 * inbox.CHUNK_BYTES]
    )
    store.lock_confidential()
    with pytest.raises(Exception, match="locked"):
        stored_bytes(store, result.document_id)
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert stored_bytes(store, result.document_id) == data


def test_a_confidential_file_waits_while_locked(store, drop) -> None:
    store.lock_confidential()
    path = drop("机密.txt", "wait for the key")
    result = inbox.ingest_file(store, path, level="confidential")
    assert result.status is IntakeStatus.LOCKED and "unlock" in result.message
    assert path.exists() and count(store, "document") == 0


# --- folders and the watched folder ---------------------------------------------------------------------


def test_folders_are_taken_in_file_by_file_skipping_temporary_files(store, drop, tmp_path) -> None:
    drop("a.txt", "one")
    drop("b.md", "# two")
    drop("c.txt.part", "still downloading")
    drop(".hidden", "hidden")
    results = inbox.ingest_paths(store, [tmp_path / "drop"])
    assert sorted(r.path.name for r in results) == ["a.txt", "b.md"]
    assert all(r.status is IntakeStatus.TAKEN_IN for r in results)


def test_the_watcher_waits_for_a_file_to_settle_and_reports_each_file_once(store, tmp_path) -> None:
    folder = tmp_path / "watch"
    (folder / "机密").mkdir(parents=True)
    watcher = inbox.FolderWatcher(folder, InboxSettings(watch_folder=str(folder)))
    (folder / "a.txt").write_text("first")
    (folder / "机密" / "s.txt").write_text("sealed by its folder")
    assert watcher.poll(store) == []  # seen once: it may still be being written
    first = watcher.poll(store)
    assert sorted((r.path.name, r.status) for r in first) == [("a.txt", "taken_in"), ("s.txt", "taken_in")]
    secret = next(r for r in first if r.path.name == "s.txt")
    assert inbox.document_detail(store, secret.document_id).security_level == "confidential"
    assert watcher.poll(store) == [] and watcher.poll(store) == []  # kept originals: no second message
    (folder / "b.txt").write_text("first")  # same content as a.txt
    watcher.poll(store)
    duplicate = watcher.poll(store)
    assert [(r.path.name, r.status) for r in duplicate] == [("b.txt", "duplicate")]
    assert watcher.poll(store) == []


def test_the_default_watched_folder_is_made_private(store, tmp_path) -> None:
    folder = inbox.watch_folder(InboxSettings())
    assert folder.name == "inbox" and not folder.exists()
    inbox.FolderWatcher(folder, InboxSettings()).poll(store)
    assert folder.is_dir() and oct(folder.stat().st_mode & 0o777) == "0o700"


# --- memory ---------------------------------------------------------------------------------------------

MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from gmassist.store.store import Store
    from gmassist.services import inbox

    root, size = Path(sys.argv[1]), int(sys.argv[2])
    source = root / "big.bin"
    block = os.urandom(1 << 20)
    with open(source, "wb") as handle:
        for i in range(size >> 20):
            handle.write(i.to_bytes(8, "big") + block[8:])
    store, _ = Store.create(root / "store", passphrase="correct horse battery")

    def status(name):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
        raise SystemExit("no " + name)

    Path("/proc/self/clear_refs").write_text("5")  # reset the peak to the current size
    before = status("VmRSS")
    result = inbox.ingest_file(store, source)
    peak = status("VmHWM")
    print(json.dumps({"status": result.status.value, "verified": result.verified,
                      "before": before, "peak": peak, "size": source.stat().st_size}))
    store.close()
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_a_200_mb_file_is_taken_in_with_bounded_memory(tmp_path) -> None:
    script = tmp_path / "measure.py"
    script.write_text(MEMORY_SCRIPT)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(200 << 20)],
        capture_output=True, text=True, env=env, timeout=600, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["status"] == "taken_in" and figures["verified"] and figures["size"] == 200 << 20
    grown = figures["peak"] - figures["before"]
    assert grown < 100 << 20, f"memory grew by {grown / (1 << 20):.0f} MB"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_in_the_folder_is_left_alone_without_blocking(store, tmp_path) -> None:
    fifo = tmp_path / "drop" / "pipe.txt"
    fifo.parent.mkdir(exist_ok=True)
    os.mkfifo(fifo)
    result = inbox.ingest_file(store, fifo)  # would block forever if it were opened
    assert result.status is IntakeStatus.SKIPPED and "not a regular file" in result.message
