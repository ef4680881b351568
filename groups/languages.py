"""Languages: stored as ISO 639 codes (639-1 where one exists, else 639-3), read and
written by people as names in English ("Polish", "British Sign Language")."""

from __future__ import annotations

import functools
import re

from django.conf.locale import LANG_INFO

# ISO 639 codes that Django's locale table lacks or names differently.
LANGUAGE_NAMES = {
    "bfi": "British Sign Language",
    "en": "English",
    "cy": "Welsh",
    "gd": "Scottish Gaelic",
    "so": "Somali",
    "pa": "Punjabi",
    "ur": "Urdu",
    "bn": "Bengali",
    "gu": "Gujarati",
    "ar": "Arabic",
    "pl": "Polish",
    "ro": "Romanian",
    "ps": "Pashto",
    "ti": "Tigrinya",
    "ku": "Kurdish",
    "fa": "Persian (Farsi)",
}
CODE_RE = re.compile(r"^[a-z]{2,3}$")


def language_name(code: str) -> str:
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    return LANG_INFO.get(code, {}).get("name", code)


@functools.cache
def codes_by_name() -> dict[str, str]:
    """Each language's name (lower case) and its code."""
    names = {info["name"].lower(): code for code, info in LANG_INFO.items() if "name" in info}
    names.update({name.lower(): code for code, name in LANGUAGE_NAMES.items()})
    names["bsl"] = "bfi"
    names["farsi"] = "fa"
    return names


def language_code(text: str) -> str | None:
    """The code of a language given by its name or its code, else None."""
    text = text.strip()
    code = codes_by_name().get(text.lower())
    if code is None and CODE_RE.match(text.lower()):
        code = text.lower()
    return code
