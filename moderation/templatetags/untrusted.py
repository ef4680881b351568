from django import template

from moderation.untrusted import defang as _defang

register = template.Library()


@register.filter
def defang(text: str) -> str:
    """Unmoderated text with its links made inert (moderation.untrusted.defang)."""
    return _defang(str(text))
