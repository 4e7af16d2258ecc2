"""Intake helpers: titles, temporary files, level folders, 文号, instructions into tasks, tags, waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gmassist.domain.inbox import SecurityLevel
from gmassist.domain.intake import (
    guess_number,
    is_temporary_name,
    is_uninformative_name,
    level_for_folder,
    parse_tags,
    split_instruction,
    title_from_name,
    title_from_text,
    waited,
)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("关于2027年度预算的请示.docx", "关于2027年度预算的请示"),
        ("board_pack_q3.pdf", "board pack q3"),
        ("README", "README"),
    ],
)
def test_title_from_name(name: str, title: str) -> None:
    assert title_from_name(name) == title


@pytest.mark.parametrize("name", ["scan001.pdf", "IMG_2034.jpg", "document.docx", "20261125.pdf", "a.txt"])
def test_uninformative_names(name: str) -> None:
    assert is_uninformative_name(name)


@pytest.mark.parametrize("name", ["关于预算.docx", "Board pack Q3.pdf", "hiring-plan-2027.xlsx"])
def test_informative_names(name: str) -> None:
    assert not is_uninformative_name(name)


def test_title_from_text_prefers_a_heading_then_the_official_title_line() -> None:
    assert title_from_text("intro\n# Board pack\ntext") == "Board pack"
    assert title_from_text("总经理办公室\n关于2027年度预算的请示\n各部门：") == "关于2027年度预算的请示"
    assert title_from_text("\n\nFirst short line\nsecond") == "First short line"
    assert title_from_text("x" * 200) == ""


@pytest.mark.parametrize(
    "name",
    [".hidden", "~$合同.docx", "a.txt~", "#a.txt#", "报告.pdf.part", "x.crdownload", "draft.swp", "A.TMP"],
)
def test_temporary_files_are_left_alone(name: str) -> None:
    assert is_temporary_name(name)


def test_ordinary_files_are_taken() -> None:
    assert not is_temporary_name("关于预算的请示.pdf")


def test_level_folders() -> None:
    assert level_for_folder(["机密"]) is SecurityLevel.CONFIDENTIAL
    assert level_for_folder(["archive", "Secret"]) is SecurityLevel.SECRET
    assert level_for_folder(["内部", "绝密"]) is SecurityLevel.SECRET  # the innermost wins
    assert level_for_folder(["2026", "contracts"]) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("总经理办公室\n总办〔2026〕12号\n关于…", "总办〔2026〕12号"),
        ("发文：人力资源部[2025] 7号", "人力资源部〔2025〕7号"),
        ("华建函（2026）103号", "华建函〔2026〕103号"),
        ("华建函(2026)103 号", "华建函〔2026〕103号"),
        ("no number here 2026年", ""),
    ],
)
def test_guess_number(text: str, number: str) -> None:
    assert guess_number(text) == number


def test_split_instruction_into_tasks() -> None:
    text = "同意。\n一、请法务部审核合同；\n2. 财务部评估付款条件\n（3）行政部安排盖章\n- 同意。\n\n"
    assert split_instruction(text) == ["同意。", "请法务部审核合同；", "财务部评估付款条件", "行政部安排盖章"]
    assert split_instruction("请办公室牵头落实") == ["请办公室牵头落实"]
    assert split_instruction("  \n ") == []


def test_parse_tags() -> None:
    assert parse_tags("预算, 财务，年度 计划、预算;Board") == ["预算", "财务", "年度 计划", "Board"]
    assert parse_tags(" , ") == []


def test_waited() -> None:
    assert waited(timedelta(days=3, hours=4, minutes=5)) == (3, 4, 5)
    assert waited(timedelta(minutes=-5)) == (0, 0, 0)
