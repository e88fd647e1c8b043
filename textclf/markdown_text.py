"""Texts shown through markdown exactly as typed: anyone's words never become links or formatting."""

import re

# The words GitHub-flavoured markdown turns into links by themselves ("http://x", "www.x", "mailto:x"). Its
# autolinks are found in the text after backslash escapes are undone, so escaping ":" and "." does not stop them.
_AUTOLINK_START = re.compile(r"(?i)(https?|www|mailto|xmpp|ftp)(?=\\?[:.])")


def plain(text: str) -> str:
    """Returns `text` escaped so that markdown shows it as typed (no links, no formatting)."""
    # Texts from posts, files and addresses are anyone's words: an invisible word joiner after "http" or "www"
    # and a zero-width space after "@" keep any link from forming, while the text reads the same.
    escaped = "".join("\\" + c if c in "\\`*_{}[]()<>#+-.!|~:$" else c for c in str(text))
    escaped = _AUTOLINK_START.sub(lambda m: m.group(1) + "\u2060", escaped)
    return escaped.replace("@", "@\u200b")
