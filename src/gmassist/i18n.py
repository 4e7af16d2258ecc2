"""Translations through gettext: English source strings, Simplified Chinese catalog.

The language is chosen once per process, before the TUI is imported (Textual merges a screen's
key bindings, and so their translated descriptions, when the class is created).
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "gmassist"
LOCALE_DIR = Path(__file__).parent / "locale"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def detect_language(configured: str | None = None) -> str:
    """'zh' or 'en': the config's `language` wins, then LANGUAGE, LC_ALL, LC_MESSAGES and LANG."""
    if configured and configured != "auto":
        return "zh" if configured.lower().startswith("zh") else "en"
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def setup(language: str | None = None) -> str:
    """Install the catalog for `language` (see detect_language) and return the language chosen."""
    global _translation, _language
    _language = detect_language(language)
    if _language == "zh":
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=["zh_CN"], fallback=True)
    else:
        _translation = gettext.NullTranslations()
    return _language


def language() -> str:
    """The language in use: 'en' or 'zh'."""
    return _language


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translated later with `_`)."""
    return message
