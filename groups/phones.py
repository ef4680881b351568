"""Phone numbers, checked with Google's libphonenumber (the phonenumbers package): UK
numbers as people write them (0113 496 0000, +44 113 496 0000), numbers abroad with
their country code, and UK short numbers (116 123)."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError

# Ofcom keeps these ranges for drama and examples; they are well formed but never
# connect, so the sample groups use them (libphonenumber does not count them as valid).
OFCOM_DRAMA_PREFIXES = (
    "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960", "1314960",
    "1414960", "1514960", "1614960", "1914980", "2079460", "2890180", "2920180", "1632960",
    "7700900", "8081570", "9098790", "3069990",
)  # fmt: skip
OFCOM_DRAMA = re.compile(rf"^\+44(?:{'|'.join(OFCOM_DRAMA_PREFIXES)})\d{{3}}$")
MESSAGE = (
    "Enter a phone number, such as 0113 496 0000, or +353 1 234 5678 for a number outside the UK."
)


def check_phone(text: str) -> None:
    """Raises ValidationError unless text is a phone number someone could ring."""
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(MESSAGE, code="phone") from None
    if phonenumbers.is_valid_number(number) or phonenumbers.is_valid_short_number(number):
        return
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if OFCOM_DRAMA.match(formatted):
        return
    raise ValidationError(MESSAGE, code="phone")
