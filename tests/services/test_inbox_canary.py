"""Canary scan of the inbox: after intake, viewing and drafting, no document text is anywhere in the
clear, not in the store folder, the temp folder or the private folders, and no temp file is left."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gmassist.config import InboxSettings
from gmassist.services import inbox, inbox_files
from tests.domain.test_extract import make_docx, p, r
from tests.store.test_canary import scan

CANARIES = [
    "CanaryInboxPlain",
    "金丝雀收文正文",
    "CanaryMailBody",
    "金丝雀机密文件",
    "CanaryDraftText",
    "CanaryDocxWord",
]


@pytest.fixture
def shm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for /dev/shm, so the test can look inside it."""
    folder = tmp_path / "shm"
    folder.mkdir()
    monkeypatch.setattr(inbox_files, "SHM", folder)
    return folder


def mail(body: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Canary subject"
    message["From"] = "a@example.com"
    message["Date"] = "Wed, 25 Nov 2026 09:00:00 +0800"
    message.set_content(body)
    message.add_attachment(
        f"{CANARIES[1]} attached".encode(), maintype="text", subtype="plain", filename="附件.txt"
    )
    return message.as_bytes()


def test_no_plaintext_and_no_temp_file_after_intake_viewing_and_drafting(
    store_factory, tmp_path: Path, shm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = store_factory()
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text(f"{CANARIES[0]} {CANARIES[1]}", encoding="utf-8")
    (source / "b.md").write_text(f"# Title\n\n{CANARIES[0]}", encoding="utf-8")
    (source / "c.eml").write_bytes(mail(CANARIES[2]))
    make_docx(source / "d.docx", p(r(CANARIES[5])))
    (source / "机密").mkdir()
    (source / "机密" / "s.txt").write_text(CANARIES[3], encoding="utf-8")
    settings = InboxSettings(remove_originals=True)

    # intake: the originals go only once stored and verified
    results = inbox.ingest_paths(
        store, [source / name for name in ("a.txt", "b.md", "c.eml", "d.docx")], settings=settings
    )
    results += inbox.ingest_paths(store, [source / "机密"], settings=settings, level="confidential")
    assert [r.status for r in results] == ["taken_in"] * 5 and all(
        r.removed_original and r.verified for r in results
    )
    assert sorted(path.name for path in source.rglob("*") if path.is_file()) == []

    # viewing: in the app, and in the system viewer from a private copy
    opened: list[tuple[Path, bytes, int]] = []
    monkeypatch.setattr(
        inbox_files,
        "open_in_viewer",
        lambda path: opened.append((path, path.read_bytes(), path.parent.stat().st_mode)),
    )
    session = inbox_files.SessionFolder()
    for result in results:
        assert result.document_id is not None
        inbox.view_content(store, result.document_id)
        for item in inbox.document_files(store, result.document_id):
            path = session.folder().write(item.name, inbox.iter_chunks(store, item.id))
            inbox_files.open_in_viewer(path)
    assert len(opened) == 6 and all(stat.S_IMODE(mode) == 0o700 for _p, _d, mode in opened)
    assert all(path.is_relative_to(shm) for path, _d, _m in opened)
    assert any(CANARIES[3].encode() in data for _p, data, _m in opened)  # the copies were real...
    session.wipe()  # ...and are gone when the app ends
    assert not any(path.exists() for path, _d, _m in opened)

    # drafting: the external editor sees one private file and leaves backups behind, all wiped
    seen: list[Path] = []

    def editor(command: list[str], env: dict[str, str]) -> int:
        path = Path(command[-1])
        seen.append(path)
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and env["TMPDIR"] == str(path.parent)
        text = path.read_text(encoding="utf-8")
        (path.parent / (path.name + "~")).write_text(text, encoding="utf-8")  # emacs-style backup
        (path.parent / f".{path.name}.swp").write_text(text, encoding="utf-8")  # vim-style swap
        Path(env["TMPDIR"], "editor-temp").write_text(text, encoding="utf-8")
        path.write_text(text + f"\n{CANARIES[4]}", encoding="utf-8")
        return 0

    draft = inbox.create_draft(store, "拟稿", "# 回复\n\n同意。")
    edited = inbox_files.edit_text(inbox.read_text(store, draft), run=editor)
    assert edited.endswith(CANARIES[4])
    assert seen[0].is_relative_to(shm) and not seen[0].parent.exists()
    revised = inbox.revise_draft(store, draft, edited)
    assert inbox.read_text(store, revised).endswith(CANARIES[4])

    store.close()
    tmpdir = Path(os.environ["TMPDIR"])
    for folder in (store.paths.root, tmpdir, shm):
        assert scan(folder, CANARIES) == [], folder
    assert list(shm.iterdir()) == [] and list(tmpdir.iterdir()) == []


def test_private_folders_prefer_dev_shm_and_are_wiped_whatever_happens(tmp_path: Path, monkeypatch) -> None:
    assert inbox_files.private_base() == (
        inbox_files.SHM if inbox_files.SHM.is_dir() else Path(os.environ["TMPDIR"])
    )
    monkeypatch.setattr(inbox_files, "SHM", tmp_path / "no-shm")
    assert inbox_files.private_base() == Path(os.environ["TMPDIR"])

    def failing_editor(command: list[str], env: dict[str, str]) -> int:
        Path(command[-1]).write_text("half written CanaryEditorCrash", encoding="utf-8")
        return 1

    with pytest.raises(Exception, match="code 1"):
        inbox_files.edit_text("text", run=failing_editor)
    assert scan(Path(os.environ["TMPDIR"]), ["CanaryEditorCrash"]) == []
    assert list(Path(os.environ["TMPDIR"]).iterdir()) == []


def test_vi_editors_are_told_to_write_no_swap_backup_or_undo_file() -> None:
    assert inbox_files.hardened(["/usr/bin/vim", "-p"])[:3] == ["/usr/bin/vim", "-n", "-i"]
    assert inbox_files.hardened(["nano"]) == ["nano"]
