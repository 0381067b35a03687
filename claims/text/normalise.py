"""Normalising article text: NFC, unified whitespace, no control characters, HTML to text."""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from html.parser import HTMLParser

# --- normalise -----------------------------------------------------------------------------

# C0 and C1 control characters other than \t and \n (\r is folded to \n before this runs).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Unicode format characters (category Cf): zero-width spaces and joiners, the BOM, the soft
# hyphen, bidi controls. Invisible, so one inserted must not make the same text new.
# They all lie in planes 0 and 1 and the tag block, so only those are scanned.
_PLANES = (*range(0x20000), *range(0xE0000, 0xE0080))
FORMAT_CHARS = "".join(chr(c) for c in _PLANES if unicodedata.category(chr(c)) == "Cf")
# A zero-width joiner between two emoji draws one picture (👩‍👩‍👧), so it stays there.
_EMOJI = "\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff"
_FORMAT_RE = re.compile(
    f"[{re.escape(FORMAT_CHARS.replace(chr(0x200D), ''))}]"
    f"|(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])"
)
_NBSP_RE = re.compile(r"[\u00a0\u202f]")
_INLINE_SPACE_RE = re.compile(r"[ \t]+")
_TRAILING_SPACE_RE = re.compile(r" +\n")
_LEADING_SPACE_RE = re.compile(r"\n +")
_MANY_NEWLINES_RE = re.compile(r"\n{3,}")


def strip_invisible(text: str) -> str:
    """Remove control characters other than tab and newline, and format characters."""
    return _FORMAT_RE.sub("", _CONTROL_RE.sub("", text))


def normalise(text: str) -> str:
    """Return text in NFC with unified newlines, no control chars and collapsed whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_invisible(text)
    # After removing controls, which may have separated a letter from its accent.
    text = unicodedata.normalize("NFC", text)
    text = _NBSP_RE.sub(" ", text)
    text = _INLINE_SPACE_RE.sub(" ", text)
    text = _TRAILING_SPACE_RE.sub("\n", text)
    text = _LEADING_SPACE_RE.sub("\n", text)
    text = _MANY_NEWLINES_RE.sub("\n\n", text)
    return text.strip()


# --- HTML ----------------------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "title", "tr", "ul",
    }
)  # fmt: skip
_LOOKS_HTML_RE = re.compile(
    r"<\s*(?:p|div|br|html|body|article|span|a|h[1-6]|li|ul|ol|section|table|script|style)"
    r"(?:\s[^<>]*)?/?\s*>|<!doctype\s+html|</\s*(?:p|div|html|body|article|span|a|li)\s*>",
    re.IGNORECASE,
)


class _TextExtractor(HTMLParser):
    """Collect visible text, turning block elements into paragraph breaks."""

    def __init__(self) -> None:
        """Start with an empty buffer and no skipped element open."""
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter skipped elements and break paragraphs at block elements."""
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Treat self-closing tags like <br/> as a start tag without a body."""
        if tag in _BLOCK_TAGS and tag not in _SKIP_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        """Leave skipped elements and break paragraphs after block elements."""
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        """Keep text outside skipped elements; source newlines are just spaces in HTML."""
        if not self._skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Convert an HTML document or fragment into normalised plain text with paragraphs."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    # convert_charrefs handles entities in data; unescape catches any left in odd positions.
    return normalise(unescape("".join(parser.parts)))


def looks_like_html(text: str) -> bool:
    """Return True if the text contains common HTML tags and should be stripped."""
    return bool(_LOOKS_HTML_RE.search(text))
