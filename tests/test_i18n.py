"""The Simplified Chinese catalog is complete, compiled from the .po in the repository, and used.

Completeness is judged against the code as it is now (strings are extracted afresh), so a new `_()` call
without a translation fails here until `python tests/i18n_catalog.py update` is run and the new entries
of src/gmassist/locale/zh_CN/LC_MESSAGES/gmassist.po are translated. Language switching is tested in
fresh interpreters, because the language is chosen once per process.
"""

from __future__ import annotations

import gettext
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from gmassist import i18n
from tests import i18n_catalog as catalog_tool
from tests.i18n_catalog import MO_PATH, PO_PATH

DESCRIPTION = "A terminal workstation for the assistant to a general manager."
"""The parser's description, as written in __main__.py."""
NOW = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    found = catalog_tool.read_catalog()
    assert found is not None, f"no catalog at {PO_PATH}: run python tests/i18n_catalog.py update"
    return found


def zh(catalog: Catalog, msgid: str) -> str:
    message = catalog.get(msgid)
    assert message is not None and isinstance(message.string, str), msgid
    return message.string


def run_python(tmp_path: Path, args: list[str], *, lang: str, language_setting: str) -> str:
    """Run `python <args>` in a fresh interpreter with LANG=`lang` and config `language`; its stdout."""
    config = tmp_path / f"config-{language_setting}.toml"
    config.write_text(f'language = "{language_setting}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(LANG=lang, GMASSIST_CONFIG=str(config), PYTHONIOENCODING="utf-8")
    result = subprocess.run(
        [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def strip_fields(text: str) -> str:
    """`text` without its {placeholders}, which stay English."""
    for field in catalog_tool.placeholders(text):
        text = text.replace(field, "")
    return text


# --- (a) every string translated, placeholders kept ------------------------------------------------


def test_every_translatable_call_can_be_extracted() -> None:
    _entries, problems = catalog_tool.extract()
    assert not problems, "\n".join(map(str, problems))


def test_every_string_in_the_code_has_a_chinese_translation(catalog: Catalog) -> None:
    entries, _problems = catalog_tool.extract()
    assert len(entries) > 200  # the extractor still finds the strings (a broken walk would pass vacuously)
    missing = catalog_tool.untranslated(entries, catalog)
    assert not missing, (
        f"{len(missing)} string(s) without a translation; run `python tests/i18n_catalog.py update` and "
        f"fill in msgstr in {PO_PATH.name}:\n" + "\n".join(map(repr, missing))
    )


def test_translations_keep_exactly_the_placeholders(catalog: Catalog) -> None:
    wrong = catalog_tool.placeholder_mismatches(catalog)
    assert not wrong, "\n".join(wrong)


def test_translations_are_chinese(catalog: Catalog) -> None:
    """A msgstr pasted from the msgid passes the other checks but is not a translation."""
    untouched = [
        message.id
        for message in catalog
        if message.id
        and isinstance(message.string, str)
        and message.string
        and not has_chinese(message.string)
        and any(ch.isascii() and ch.isalpha() for ch in strip_fields(message.string))
    ]
    assert not untouched, untouched


def test_domain_words_are_the_assistants_own(catalog: Catalog) -> None:
    for english, chinese in {
        "Agenda": "日程",
        "Inbox": "收文",
        "Follow-ups": "督办事项",
        "Submit for approval": "呈批",
        "Archive": "归档",
        "Confidential": "机密",
        "Minutes": "会议纪要",
        "Project boards": "项目看板",
    }.items():
        assert zh(catalog, english) == chinese


# --- (b) the shipped .mo is the compiled .po ---------------------------------------------------------


def test_committed_mo_is_what_the_po_compiles_to() -> None:
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run python tests/i18n_catalog.py update"
    assert MO_PATH.read_bytes() == catalog_tool.compile_po(), (
        f"{MO_PATH.name} is stale: run python tests/i18n_catalog.py update"
    )


def test_mo_gives_the_po_translations(catalog: Catalog) -> None:
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
            assert compiled.gettext(message.id) == message.string


# --- (c) Chinese when asked, (d) English when asked ---------------------------------------------------


def test_editable_install_finds_the_catalog_in_the_package() -> None:
    assert Path(i18n.LOCALE_DIR) == PO_PATH.parents[2]
    assert gettext.find(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["zh_CN"]) == str(MO_PATH)


def test_help_is_chinese_under_a_chinese_locale(tmp_path: Path, catalog: Catalog) -> None:
    out = run_python(tmp_path, ["-m", "gmassist", "--help"], lang="zh_CN.UTF-8", language_setting="auto")
    assert zh(catalog, DESCRIPTION) in out
    assert zh(catalog, "check the keyring, the store and its integrity") in out
    assert DESCRIPTION not in out


def test_setup_zh_translates_in_a_fresh_interpreter(tmp_path: Path) -> None:
    code = "from gmassist import i18n; print(i18n.setup('zh')); print(i18n._('Agenda'))"
    assert run_python(tmp_path, ["-c", code], lang="C.UTF-8", language_setting="auto").split() == [
        "zh",
        "日程",
    ]


def test_help_is_english_when_the_config_says_en(tmp_path: Path) -> None:
    out = run_python(tmp_path, ["-m", "gmassist", "--help"], lang="zh_CN.UTF-8", language_setting="en")
    assert DESCRIPTION in out
    assert "check the keyring, the store and its integrity" in out
    assert not has_chinese(out)


def test_setup_en_gives_the_english_source(tmp_path: Path) -> None:
    code = "from gmassist import i18n; print(i18n.setup('en')); print(i18n._('Agenda'))"
    out = run_python(tmp_path, ["-c", code], lang="zh_CN.UTF-8", language_setting="auto")
    assert out.split() == ["en", "Agenda"]


# --- the catalog tool itself ---------------------------------------------------------------------------


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A small package laid out like src/gmassist, for the extractor."""
    source = tmp_path / "src" / "pkg"
    source.mkdir(parents=True)
    (source / "screen.py").write_text(
        "from gmassist.i18n import N_, _, ngettext\n"
        "LABELS = {1: N_('Drafting opinion')}\n"
        "B = [Binding('k', 'act', _('Archive'), tooltip=_('File it away')), Binding('x', 'y', 'Bare')]\n"
        "def f(n, k, path):\n"
        "    _(LABELS[k])\n"
        "    _('cannot read {path}').format(path=path)\n"
        "    ngettext('{n} card', '{n} cards', n)\n"
        "    _(f'built {path}')\n"
        "    _('built ' + path)\n"
        "    N_(path)\n",
        encoding="utf-8",
    )
    return source


def test_extract_reads_markers_and_refuses_built_text(package: Path) -> None:
    entries, problems = catalog_tool.extract(package)
    assert set(entries) == {"Drafting opinion", "Archive", "File it away", "cannot read {path}", "{n} card"}
    assert entries["{n} card"].plural == "{n} cards"
    assert entries["Archive"].locations == [("src/pkg/screen.py", 3)]
    assert [problem.line for problem in problems] == [8, 9, 10]
    assert [str(p) for p in catalog_tool.unwrapped(package)] == [
        "src/pkg/screen.py:3: Binding(): 'Bare' is not wrapped in _()"
    ]


def test_merge_keeps_translations_adds_new_and_retires_old(package: Path) -> None:
    entries, _problems = catalog_tool.extract(package)
    old = Catalog(locale="zh_CN")
    old.add("Archive", "归档")
    old.add("Gone from the code", "已删除")
    old.add("Gone and never translated", "")
    merged = catalog_tool.merge(entries, old, NOW)
    assert merged.get("Archive").string == "归档"
    assert merged.get("File it away").string == ""
    assert merged.get("{n} card").string == ("",)
    assert "python-brace-format" in merged.get("cannot read {path}").flags
    assert "Gone from the code" not in merged and merged.obsolete["Gone from the code"].string == "已删除"
    assert "Gone and never translated" not in merged.obsolete
    assert set(catalog_tool.untranslated(entries, merged)) == set(entries) - {"Archive"}

    again = catalog_tool.merge(entries, merged, NOW)
    assert catalog_tool.po_bytes(again) == catalog_tool.po_bytes(merged)


def test_placeholder_check_catches_lost_or_changed_fields() -> None:
    bad = Catalog(locale="zh_CN")
    bad.add("cannot read {path}", "无法读取")
    bad.add("within {seconds:g} s", "{seconds} 秒内")
    bad.add(("{n} card", "{n} cards"), ("{count} 张卡片",))
    bad.add("fine {path}", "{path} 正常")
    wrong = catalog_tool.placeholder_mismatches(bad)
    flagged = [
        msgid
        for msgid in ("cannot read {path}", "within {seconds:g} s", "{n} card", "fine {path}")
        if any(line.startswith(repr(msgid)) for line in wrong)
    ]
    assert flagged == ["cannot read {path}", "within {seconds:g} s", "{n} card"] and len(wrong) == 3


def test_fuzzy_or_empty_entries_are_not_translations() -> None:
    entries = {"Agenda": catalog_tool.Entry("Agenda"), "Inbox": catalog_tool.Entry("Inbox")}
    partial = Catalog(locale="zh_CN")
    partial.add("Agenda", "日程", flags=["fuzzy"])
    partial.add("Inbox", "")
    assert catalog_tool.untranslated(entries, partial) == ["Agenda", "Inbox"]
