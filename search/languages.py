"""Language codes as search stores and filters them: lower-case ISO 639-1 where we know it."""

from __future__ import annotations

_NAMES = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "yue",
    "vietnamese": "vi",
    "tagalog": "tl",
    "filipino": "tl",
    "korean": "ko",
    "arabic": "ar",
    "russian": "ru",
    "french": "fr",
    "haitian creole": "ht",
    "portuguese": "pt",
    "somali": "so",
    "amharic": "am",
    "farsi": "fa",
    "persian": "fa",
    "hindi": "hi",
    "punjabi": "pa",
    "american sign language": "ase",
    "asl": "ase",
}
_ISO3 = {"eng": "en", "spa": "es", "zho": "zh", "chi": "zh", "vie": "vi", "tgl": "tl", "kor": "ko"}
_ISO3.update({"ara": "ar", "rus": "ru", "fra": "fr", "fre": "fr", "por": "pt", "som": "so"})


def normalize_language(code: str | None, name: str | None = None) -> str | None:
    """Map a code ("es", "spa", "es-MX") or a name ("Spanish") to a lower-case code."""
    if code and code.strip().lower() in _NAMES:
        return _NAMES[code.strip().lower()]
    if code:
        value = code.strip().lower().replace("_", "-").split("-")[0]
        if value:
            return _ISO3.get(value, value)
    if name:
        key = name.strip().lower()
        return _NAMES.get(key, key or None)
    return None
