"""The command line, run in-process through main(): exit codes, one-line errors, files untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gmassist.__main__ import main
from gmassist.store.keys import KeyFile, Keyring
from tests.conftest import PASSPHRASE


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store_root(tmp_path: Path, capsys, monkeypatch, no_keyring) -> Path:
    """A passphrase store made by `gmassist init --passphrase`, with a few demo records."""
    root = tmp_path / "cli-store"
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", PASSPHRASE)
    code, out, _err = run(capsys, "init", "--store", str(root), "--passphrase")
    assert code == 0
    assert "Recovery key" in out
    monkeypatch.delenv("GMASSIST_NEW_PASSPHRASE")
    return root


def recovery_of(out: str) -> str:
    return next(line.strip() for line in out.splitlines() if line.startswith("    "))


def test_init_refuses_an_existing_store(store_root: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", PASSPHRASE)
    code, _out, err = run(capsys, "init", "--store", str(store_root), "--passphrase")
    assert code != 0 and err.count("\n") == 1 and "already exists" in err


def test_init_without_a_keyring_says_the_passphrase_will_be_used(
    tmp_path, capsys, monkeypatch, no_keyring
) -> None:
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    code, _out, err = run(capsys, "init", "--store", str(tmp_path / "s"))
    assert code == 0
    assert "passphrase will be used" in err
    assert KeyFile.load(tmp_path / "s" / "keys.json").kinds("store") == ["passphrase", "recovery"]


def test_short_passphrase_is_refused(tmp_path, capsys, monkeypatch, no_keyring) -> None:
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", "short")
    code, _out, err = run(capsys, "init", "--store", str(tmp_path / "s"), "--passphrase")
    assert code != 0 and "at least 8" in err and err.count("\n") == 1
    assert not (tmp_path / "s").exists()


def test_wrong_passphrase_one_line_and_files_untouched(store_root: Path, capsys, monkeypatch) -> None:
    before = snapshot(store_root)
    monkeypatch.setenv("GMASSIST_PASSPHRASE", "definitely wrong")
    code, out, err = run(capsys, "export", "--store", str(store_root))
    assert code == 2 and out == ""
    assert err == "gmassist: wrong passphrase\n"
    assert snapshot(store_root) == before


def test_no_passphrase_without_a_terminal(store_root: Path, capsys) -> None:
    code, _out, err = run(capsys, "export", "--store", str(store_root))
    assert code == 2 and "GMASSIST_PASSPHRASE" in err and err.count("\n") == 1


def test_passphrase_file(store_root: Path, capsys, monkeypatch, tmp_path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("GMASSIST_PASSPHRASE_FILE", str(secret))
    code, out, _err = run(capsys, "export", "--store", str(store_root))
    assert code == 0 and json.loads(out)["format"] == "gmassist-export"


def test_wrong_recovery_key(store_root: Path, capsys, monkeypatch) -> None:
    before = snapshot(store_root)
    monkeypatch.setenv("GMASSIST_RECOVERY_KEY", "0000-0000-0000-0000-0000-0000-0000-0000-0000")
    code, _out, err = run(capsys, "recover", "--store", str(store_root), "--passphrase")
    assert code == 2 and err.count("\n") == 1 and "recovery key" in err
    assert snapshot(store_root) == before


def test_missing_store(tmp_path, capsys) -> None:
    code, _out, err = run(capsys, "export", "--store", str(tmp_path / "nowhere"))
    assert code != 0 and err.count("\n") == 1 and "gmassist init" in err


def test_rekey_changes_the_passphrase_without_touching_the_data(
    store_root: Path, capsys, monkeypatch
) -> None:
    database = (store_root / "gmassist.db").read_bytes()
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", "a brand new passphrase")
    code, out, _err = run(capsys, "rekey", "--store", str(store_root))
    assert code == 0 and "passphrase" in out
    assert (store_root / "gmassist.db").read_bytes() == database
    code, _out, err = run(capsys, "export", "--store", str(store_root))
    assert code == 2 and "wrong passphrase" in err
    monkeypatch.setenv("GMASSIST_PASSPHRASE", "a brand new passphrase")
    code, _out, _err = run(capsys, "export", "--store", str(store_root))
    assert code == 0


def test_doctor_names_a_damaged_database(store_root: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "demo", "--store", str(store_root / ".." / "d"), "--size", "400", "--no-tui")[0] == 0
    demo_root = (store_root / ".." / "d").resolve()
    monkeypatch.setenv("GMASSIST_PASSPHRASE", "gmassist-demo")
    code, out, _err = run(capsys, "doctor", "--store", str(demo_root))
    assert code == 0 and "integrity" in out and "ok" in out
    database = demo_root / "gmassist.db"
    data = bytearray(database.read_bytes())
    data[len(data) * 2 // 3] ^= 0xFF
    database.write_bytes(bytes(data))
    code, out, err = run(capsys, "doctor", "--store", str(demo_root))
    assert code == 1
    assert "integrity" in out and ("HMAC" in out or "malformed" in out or "damaged" in out), out
    assert "problem" in err


def test_doctor_flags_loose_permissions(store_root: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    (store_root / "keys.json").chmod(0o644)
    code, out, _err = run(capsys, "doctor", "--store", str(store_root))
    assert code == 1 and "0600" in out


def test_export_import_round_trip(tmp_path: Path, capsys, monkeypatch, no_keyring) -> None:
    monkeypatch.setenv("GMASSIST_PASSPHRASE", "gmassist-demo")
    source = tmp_path / "source"
    assert run(capsys, "demo", "--store", str(source), "--size", "600", "--no-tui")[0] == 0
    first = tmp_path / "first.json"
    assert run(capsys, "export", "--store", str(source), "--include-confidential", "-o", str(first))[0] == 0
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", "another passphrase")
    target = tmp_path / "target"
    assert run(capsys, "init", "--store", str(target), "--passphrase")[0] == 0
    monkeypatch.setenv("GMASSIST_PASSPHRASE", "another passphrase")
    code, out, _err = run(capsys, "import", "--store", str(target), str(first))
    assert code == 0 and "Imported" in out
    second = tmp_path / "second.json"
    assert run(capsys, "export", "--store", str(target), "--include-confidential", "-o", str(second))[0] == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    a.pop("exported_at"), b.pop("exported_at")
    assert a == b
    assert sum(len(rows) for rows in a["tables"].values()) > 600
    # a second import into the same (now full) store is refused and changes nothing
    before = second.read_text()
    code, _out, err = run(capsys, "import", "--store", str(target), str(first))
    assert code != 0 and "empty store" in err and err.count("\n") == 1
    assert run(capsys, "export", "--store", str(target), "--include-confidential", "-o", str(second))[0] == 0
    assert json.loads(second.read_text())["tables"] == json.loads(before)["tables"]


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": "other"}',
        '{"format": "gmassist-export", "version": 1, "tables": {"event": [{"id": 1}]}}',
    ],
)
def test_import_refuses_bad_files(store_root: Path, tmp_path, capsys, monkeypatch, content: str) -> None:
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, _out, err = run(capsys, "import", "--store", str(store_root), str(bad))
    assert code != 0 and err.count("\n") == 1
    code, out, _err = run(capsys, "export", "--store", str(store_root))
    assert all(not rows for rows in json.loads(out)["tables"].values())


def test_import_missing_file(store_root: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    code, _out, err = run(capsys, "import", "--store", str(store_root), "/nonexistent.json")
    assert code != 0 and err == "gmassist: no such file: /nonexistent.json\n"


def test_locate_and_lock(store_root: Path, capsys) -> None:
    code, out, _err = run(capsys, "locate", "--store", str(store_root))
    assert code == 0 and str(store_root / "keys.json") in out and "config" in out
    code, out, _err = run(capsys, "lock", "--store", str(store_root))
    assert code == 0 and "nothing to lock" in out


def test_store_from_environment(store_root: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GMASSIST_STORE", str(store_root))
    _code, out, _err = run(capsys, "locate")
    assert str(store_root) in out


def test_bad_config_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('colour = "blue"\n')
    monkeypatch.setenv("GMASSIST_CONFIG", str(config))
    code, _out, err = run(capsys, "locate")
    assert code == 1 and err == "gmassist: config: unknown setting 'colour'\n"


@pytest.mark.keyring
def test_keyring_store_missing_entry_and_recovery(tmp_path, capsys, secret_service) -> None:
    root = tmp_path / "kr"
    code, out, err = run(capsys, "init", "--store", str(root))
    assert code == 0, err
    assert KeyFile.load(root / "keys.json").kinds("store") == ["keyring", "recovery"]
    recovery = recovery_of(out)
    assert run(capsys, "export", "--store", str(root))[0] == 0
    store_id = KeyFile.load(root / "keys.json").store_id
    Keyring(timeout=10).delete(store_id)
    before = snapshot(root)
    code, _out, err = run(capsys, "export", "--store", str(root))
    assert code == 2 and err.count("\n") == 1 and "no entry" in err
    assert snapshot(root) == before
    import os

    os.environ["GMASSIST_RECOVERY_KEY"] = recovery
    try:
        code, out, err = run(capsys, "recover", "--store", str(root))
    finally:
        del os.environ["GMASSIST_RECOVERY_KEY"]
    assert code == 0, err
    assert "keyring" in out
    assert run(capsys, "export", "--store", str(root))[0] == 0


@pytest.mark.keyring
def test_rekey_between_keyring_and_passphrase(tmp_path, capsys, secret_service, monkeypatch) -> None:
    root = tmp_path / "kr"
    assert run(capsys, "init", "--store", str(root))[0] == 0
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", PASSPHRASE)
    code, _out, err = run(capsys, "rekey", "--store", str(root), "--to", "passphrase")
    assert code == 0, err
    assert KeyFile.load(root / "keys.json").kinds("store") == ["passphrase", "recovery"]
    assert run(capsys, "export", "--store", str(root))[0] == 2
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "export", "--store", str(root))[0] == 0
    code, _out, err = run(capsys, "rekey", "--store", str(root), "--to", "keyring")
    assert code == 0, err
    monkeypatch.delenv("GMASSIST_PASSPHRASE")
    assert KeyFile.load(root / "keys.json").kinds("store") == ["keyring", "recovery"]
    assert run(capsys, "export", "--store", str(root))[0] == 0


def test_confidential_items_can_have_their_own_passphrase(
    store_root: Path, capsys, monkeypatch, clock
) -> None:
    from gmassist.errors import WrongKey
    from gmassist.store.models import Person
    from gmassist.store.store import Store

    store = Store.open(store_root, passphrase=PASSPHRASE, clock=clock)
    store.unlock_confidential(passphrase=PASSPHRASE)
    with store.action("create") as session:
        session.add(Person(name="周律师 secret", confidential=True))
    store.close()
    database = (store_root / "gmassist.db").read_bytes()
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("GMASSIST_NEW_CONFIDENTIAL_PASSPHRASE", "second key for secrets")
    code, out, err = run(capsys, "rekey", "--store", str(store_root), "--confidential-passphrase")
    assert code == 0, err
    assert "own passphrase" in out and "store now opens" not in out
    assert (store_root / "gmassist.db").read_bytes() == database
    store = Store.open(store_root, passphrase=PASSPHRASE, clock=clock)  # the store passphrase is unchanged
    assert store.confidential_needs_passphrase()
    with pytest.raises(WrongKey):
        store.unlock_confidential(passphrase=PASSPHRASE)
    store.unlock_confidential(passphrase="second key for secrets")
    store.close()
    # exporting confidential items now asks for the second passphrase
    code, _out, err = run(capsys, "export", "--store", str(store_root), "--include-confidential")
    assert code == 2 and "wrong passphrase" in err
    monkeypatch.setenv("GMASSIST_CONFIDENTIAL_PASSPHRASE", "second key for secrets")
    code, out, _err = run(capsys, "export", "--store", str(store_root), "--include-confidential")
    assert code == 0 and "周律师 secret" in out
    # a later passphrase change of the store leaves the confidential key's own passphrase alone
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", "the new store passphrase")
    assert run(capsys, "rekey", "--store", str(store_root))[0] == 0
    assert KeyFile.load(store_root / "keys.json").has_own_passphrase("confidential")
