"""收文 intake and drafting helpers that need no storage: what to call a file, which files of a watched
folder to leave alone, where a 文号 is written, how an instruction splits into follow-ups, how tags are
typed, and how long a document has waited, in words.

Routing, classification, digests and search live in `domain.inbox`; text extraction in `domain.extract`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from pathlib import PurePath

from gmassist.domain.inbox import SecurityLevel

TEMPORARY_SUFFIXES: frozenset[str] = frozenset(
    {".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".swp", ".swx", ".lock", ".~lock"}
)
"""Endings of files still being written by a browser, a mail program or an editor: never taken in."""

LEVEL_FOLDERS: dict[str, SecurityLevel] = {
    "public": SecurityLevel.PUBLIC,
    "公开": SecurityLevel.PUBLIC,
    "internal": SecurityLevel.INTERNAL,
    "内部": SecurityLevel.INTERNAL,
    "confidential": SecurityLevel.CONFIDENTIAL,
    "机密": SecurityLevel.CONFIDENTIAL,
    "secret": SecurityLevel.SECRET,
    "绝密": SecurityLevel.SECRET,
}
"""Sub-folders of the watched folder that set the security level of what is dropped into them."""

_NUMBER = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,16}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,5}\s*号"
)
"""A 文号 as the 党政机关公文格式 writes it: 发文机关代字〔年份〕序号号, e.g. 总办〔2026〕12号."""

_BULLET = re.compile(
    r"^\s*(?:[-*•·]|\d{1,3}[.)、．）]|[（(]\d{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[)）])\s*"
)
"""A list marker at the start of a line: "- ", "1.", "1、", "（1）", "一、", "（一）"."""

_TAG_SEPARATORS = re.compile(r"[,，、;；]")


def title_from_name(name: str) -> str:
    """A document title from a file name: the name without its ending, separators turned into spaces
    (关于2026年预算的请示.docx -> 关于2026年预算的请示)."""
    stem = PurePath(name).stem if PurePath(name).suffix else name
    stem = re.sub(r"[_]+", " ", stem).strip()
    return stem or name.strip() or "?"


_UNINFORMATIVE = re.compile(r"[A-Za-z]{0,8}[\s_\-.]*\d*[\s_\-.]*\d*", re.ASCII)
"""Names a scanner, a camera or a download gives: scan001, IMG_2034, document, 20261125."""


def is_uninformative_name(name: str) -> bool:
    """Whether a file name says nothing about its content (scan001.pdf, IMG_2034.jpg, document.docx)."""
    stem = PurePath(name).stem if PurePath(name).suffix else name
    return not stem.strip() or bool(_UNINFORMATIVE.fullmatch(stem.strip()))


def title_from_text(text: str, max_chars: int = 80) -> str:
    """A title from a document's text: a Markdown heading, else the first line that starts with 关于
    (the usual 公文 title), else the first short non-empty line; "" when there is none."""
    lines = [line.strip() for line in text.splitlines()[:60] if line.strip()]
    for line in lines:
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            if heading:
                return heading[:max_chars]
    for line in lines:
        if line.startswith("关于") and len(line) <= max_chars:
            return line
    for line in lines[:5]:
        if len(line) <= max_chars and not line.lower().startswith(("subject:", "from:")):
            return line
    return ""


def is_temporary_name(name: str) -> bool:
    """Whether a file in the watched folder is hidden, a lock file or still being written."""
    if not name or name.startswith((".", "~$", "#")) or name.endswith("~"):
        return True
    lowered = name.casefold()
    return any(lowered.endswith(suffix) for suffix in TEMPORARY_SUFFIXES)


def level_for_folder(parts: Iterable[str]) -> SecurityLevel | None:
    """The security level a sub-folder of the watched folder sets (the innermost one that names a
    level, English or Chinese: confidential/机密, secret/绝密...), or None."""
    found = None
    for part in parts:
        level = LEVEL_FOLDERS.get(unicodedata.normalize("NFKC", part).strip().casefold())
        if level is not None:
            found = level
    return found


def guess_number(text: str, within: int = 3000) -> str:
    """The first 文号 in the first `within` characters of a document's text, normalised to 〔〕 and
    without spaces; "" when there is none."""
    match = _NUMBER.search(unicodedata.normalize("NFKC", text[:within]).replace("(", "（").replace(")", "）"))
    if match is None:
        return ""
    number = re.sub(r"\s+", "", match.group(0))
    return re.sub(r"[\[［【（(](\d{4})[\]］】）)]", r"〔\1〕", number)


def split_instruction(text: str) -> list[str]:
    """The tasks of a manager's instruction (批示), one per follow-up.

    Each non-empty line is one task, with any list marker removed ("1.", "一、", "- "); a single
    paragraph is one task. Repeated tasks are kept once.
    """
    tasks: list[str] = []
    for line in text.splitlines():
        task = _BULLET.sub("", line).strip()
        if task and task not in tasks:
            tasks.append(task)
    return tasks


def parse_tags(text: str) -> list[str]:
    """Tags as typed in one field: separated by commas (also full-width ，), 、 or semicolons; spaces
    inside a tag are kept; repeats dropped; order kept."""
    tags: list[str] = []
    for piece in _TAG_SEPARATORS.split(text):
        tag = " ".join(piece.split())
        if tag and tag.casefold() not in (t.casefold() for t in tags):
            tags.append(tag)
    return tags


def waited(duration: timedelta) -> tuple[int, int, int]:
    """A wait as (days, hours, minutes), for "3d 4h" in the list; negative waits count as zero."""
    minutes = max(0, int(duration.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    return days, rest // 60, rest % 60
