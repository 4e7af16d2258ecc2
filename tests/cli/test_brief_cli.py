"""`gmassist brief` run in-process through main() at a frozen time: the same bytes as the golden files,
remembered numbers, templates, one-line errors, and the sample briefs in examples/ kept true.

Regenerate the examples after an intended change with GMASSIST_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
import stat
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gmassist import i18n
from gmassist.__main__ import main
from gmassist.clock import FrozenClock
from gmassist.domain.brief import DEFAULT_TEMPLATE
from gmassist.store.store import Store
from tests.conftest import NOW, PASSPHRASE
from tests.fixtures.brief.sample import CANARIES, fill

ROOT = Path(__file__).parent.parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "brief"
EXAMPLES = ROOT / "examples"
UPDATE = bool(os.environ.get("GMASSIST_UPDATE_GOLDEN"))
FRIDAY = datetime(2026, 11, 27, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
"""When the examples are made: a Friday afternoon, when the brief is sent."""


def run(capsys, *argv: str, clock: FrozenClock | None = None) -> tuple[int, str, str]:
    code = main(list(argv), clock=clock or FrozenClock(NOW))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def english_afterwards():
    """main() installs the configured language for the process; leave English for the tests after."""
    yield
    i18n.setup("en")


@pytest.fixture
def sample_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None) -> Path:
    root = tmp_path / "sample"
    store, _recovery = Store.create(root, passphrase=PASSPHRASE, clock=FrozenClock(NOW))
    fill(store)
    store.close()
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    return root


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_standard_output_is_the_golden_brief(sample_root: Path, capsys, lang: str) -> None:
    code, out, err = run(capsys, "brief", "--store", str(sample_root), "--lang", lang)
    assert code == 0
    assert out == (GOLDEN / f"w48.{lang}.md").read_text(encoding="utf-8")
    assert err == "9 confidential items only counted (use --include-confidential)\n"


def test_default_week_and_language(sample_root: Path, capsys, monkeypatch, tmp_path: Path) -> None:
    code, out, _err = run(capsys, "brief", "--store", str(sample_root))
    assert code == 0 and out == (GOLDEN / "w48.en.md").read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('language = "zh"\n', encoding="utf-8")
    monkeypatch.setenv("GMASSIST_CONFIG", str(config))
    code, out, _err = run(capsys, "brief", "--store", str(sample_root), "--week", "2026w48")
    assert code == 0 and out == (GOLDEN / "w48.zh.md").read_text(encoding="utf-8")


def test_include_confidential(sample_root: Path, capsys) -> None:
    code, out, err = run(
        capsys, "brief", "--store", str(sample_root), "--lang", "zh", "--include-confidential"
    )
    assert code == 0 and err == ""
    assert out == (GOLDEN / "w48.zh.confidential.md").read_text(encoding="utf-8")
    assert all(canary in out for canary in CANARIES)


def test_output_file_remembers_the_numbers_for_next_week(sample_root: Path, capsys, tmp_path: Path) -> None:
    target = tmp_path / "brief-w48.md"
    code, out, _err = run(capsys, "brief", "--store", str(sample_root), "--lang", "en", "-o", str(target))
    assert code == 0 and out == f"Brief for 2026-W48 written to {target}\n"
    assert target.read_text(encoding="utf-8") == (GOLDEN / "w48.en.md").read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # written twice: the same bytes (the remembered week is not the one compared with)
    assert run(capsys, "brief", "--store", str(sample_root), "--lang", "en", "-o", str(target))[0] == 0
    assert target.read_text(encoding="utf-8") == (GOLDEN / "w48.en.md").read_text(encoding="utf-8")

    next_week = FrozenClock(NOW.replace(day=30))
    code, out, _err = run(capsys, "brief", "--store", str(sample_root), "--lang", "en", clock=next_week)
    assert code == 0
    assert "Compared with the brief of 2026-W48, recorded 2026-11-25 09:30." in out
    assert "| Follow-ups overdue | 3 |" in out  # the remembered W48 figure in the "previous" column


def test_mark_sent_remembers_without_a_file(sample_root: Path, capsys) -> None:
    later = FrozenClock(NOW.replace(day=30))
    code, out, _err = run(capsys, "brief", "--store", str(sample_root), "--lang", "en", clock=later)
    assert "Compared with the brief of 2026-W47" in out
    assert run(capsys, "brief", "--store", str(sample_root), "--mark-sent")[0] == 0
    code, out, _err = run(capsys, "brief", "--store", str(sample_root), "--lang", "en", clock=later)
    assert code == 0 and "Compared with the brief of 2026-W48" in out


def test_template_file(sample_root: Path, capsys, tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ header }}\n\n## 本周风险\n\n{{ sections.risks.body }}\n", encoding="utf-8")
    code, out, _err = run(
        capsys, "brief", "--store", str(sample_root), "--lang", "zh", "--template", str(template)
    )
    assert code == 0
    assert out.startswith("# 总经理周报 2026-W48\n") and "## 本周风险\n\n### 已升级的督办事项" in out
    assert "\n## 下周日程\n" not in out


def test_print_template(capsys) -> None:
    code, out, _err = run(capsys, "brief", "--print-template")
    assert code == 0 and out == DEFAULT_TEMPLATE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-W60"], "gmassist: 2026 has no week 60"),
        (["--week", "next"], "gmassist: 'next' is not an ISO week like 2026-W48"),
        (["--template", "/nonexistent/t.j2"], "gmassist: no such file: /nonexistent/t.j2"),
    ],
)
def test_bad_input_is_one_line_and_touches_nothing(
    sample_root: Path, capsys, args: list[str], message: str
) -> None:
    before = {p.name: p.read_bytes() for p in sorted(sample_root.iterdir())}
    code, out, err = run(capsys, "brief", "--store", str(sample_root), *args)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1
    assert {p.name: p.read_bytes() for p in sorted(sample_root.iterdir())} == before


def test_broken_template_is_one_line(sample_root: Path, capsys, tmp_path: Path) -> None:
    template = tmp_path / "broken.j2"
    template.write_text("{{ header }}\n{% if %}\n", encoding="utf-8")
    code, out, err = run(capsys, "brief", "--store", str(sample_root), "--template", str(template))
    assert code == 1 and out == ""
    assert err.startswith("gmassist: brief template, line 2: ") and err.count("\n") == 1


# --- the examples stay true -----------------------------------------------------------------------------------


def test_examples_are_the_demo_store_brief(tmp_path: Path, capsys, monkeypatch, no_keyring) -> None:
    """examples/brief.{zh,en}.md are `gmassist brief` on `gmassist demo` made on Friday 2026-11-27 17:00."""
    counter = iter(range(1, 1_000_000))
    monkeypatch.setattr("gmassist.store.demo.new_id", lambda: str(uuid.UUID(int=next(counter))))
    friday = FrozenClock(FRIDAY)
    root = tmp_path / "demo"
    assert run(capsys, "demo", "--store", str(root), "--no-tui", clock=friday)[0] == 0
    monkeypatch.setenv("GMASSIST_PASSPHRASE", "gmassist-demo")
    for lang in ("zh", "en"):
        code, out, _err = run(capsys, "brief", "--store", str(root), "--lang", lang, clock=friday)
        assert code == 0
        path = EXAMPLES / f"brief.{lang}.md"
        if UPDATE:
            path.write_text(out, encoding="utf-8")
        assert path.read_text(encoding="utf-8") == out, f"{path.name} is stale (GMASSIST_UPDATE_GOLDEN=1)"
        assert "【机密】" not in out and "谈判底价" not in out and "周律师" not in out
