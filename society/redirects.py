"""Where a form may send the browser next: only a path of this site (no open redirect)."""
from urllib.parse import urlsplit

# Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
# "/\t/evil.example" and "/\\evil.example" reach another host; any control character, space
# or backslash makes a target unsafe rather than something to clean up.
_UNSAFE_CHARACTERS = frozenset(chr(code) for code in range(0x20)) | {"\x7f", " ", "\\"}


def same_site_path(target: str | None) -> str | None:
    """``target`` when it is a plain path of this site ("/admin?x=1"), else None."""
    if not target or any(character in _UNSAFE_CHARACTERS for character in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
