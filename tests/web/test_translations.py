"""Every message the web pages show has a Spanish translation (catalogs in hub/web/locales)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from hub.web.i18n import translations

WEB = Path(__file__).resolve().parents[2] / "hub" / "web"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(WEB), METHODS, OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, filename)
    return found


def test_every_page_message_is_translated_into_spanish() -> None:
    messages = _messages()
    assert len(messages) > 40  # the extractor really read the templates and modules
    # The merged catalog's entries ("No" is "No" in Spanish too, so compare by presence).
    spanish = translations("es")._catalog  # type: ignore[attr-defined]
    missing = sorted(
        f"{where}: {text!r}" for text, where in messages.items() if not spanish.get(text)
    )
    assert not missing, "no Spanish for:\n" + "\n".join(missing)
