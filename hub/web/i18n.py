"""Translations of server-rendered pages: Babel catalogs, one Jinja2 environment per language."""

from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, PackageLoader, select_autoescape

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"


@cache
def translations(language: str) -> NullTranslations:
    """The catalog of a language: every `.po` file of its folder, compiled in memory and merged.

    Each page group keeps its own catalog file (client link, console, board, admin ...), so
    that translators and developers of different pages never edit the same file.
    """
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    sources = sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po"))
    if not sources:
        log.warning("no catalog for %s; falling back to English", language)
        return NullTranslations()
    merged: Translations | None = None
    for source in sources:
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        loaded = Translations(buffer, domain=DOMAIN)
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    assert merged is not None
    return merged


@cache
def environment(language: str) -> Environment:
    """A Jinja2 environment whose `_()` speaks `language` (one per language: thread-safe)."""
    env = Environment(
        loader=PackageLoader("hub.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates (e.g. ?lang=, the client's preference)."""
    for candidate in candidates:
        if candidate:
            code = candidate.strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE
