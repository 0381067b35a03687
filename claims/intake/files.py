"""Turn uploaded or imported files (.txt, .md, .html, .json, .jsonl) into ArticleIn records."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePath

from claims.errors import N_, InvalidInput
from claims.schemas import ArticleIn, parse
from claims.text.normalise import html_to_text, looks_like_html

EXTENSIONS = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HTML_TITLE = re.compile(
    r"<title[^>]*>(.*?)</title>|<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL
)
# Common spellings of each field in front matter and JSON, mapped onto ArticleIn's names.
_ALIASES = {
    "published": "published_at",
    "date": "published_at",
    "lang": "language",
    "text": "body",
    "content": "body",
    "outlet": "source",
    "headline": "title",
}


def decode(data: bytes, name: str) -> str:
    """Decode an upload as UTF-8 text, refusing binary files."""
    if b"\x00" in data:
        raise InvalidInput(
            N_("%(name)s looks like a binary file; upload UTF-8 text, HTML or JSON."), name=name
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            N_("%(name)s is not valid UTF-8 text; save it as UTF-8 and retry."), name=name
        ) from None


def _fields(raw: dict[str, object]) -> dict[str, object]:
    """Map field aliases onto ArticleIn's names, lower-casing keys."""
    return {_ALIASES.get(k.lower(), k.lower()): v for k, v in raw.items()}


def _parse_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split `---` key: value front matter from the body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, object] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip()] = value.strip()
    return _fields(meta), text[match.end() :]


def _from_text(text: str, name: str, defaults: dict[str, object]) -> ArticleIn:
    """Build one article from plain text, Markdown or HTML with optional front matter."""
    meta, body = _parse_front_matter(text)
    if looks_like_html(body):
        title = _HTML_TITLE.search(body)
        if title and "title" not in meta:
            meta["title"] = html_to_text(title.group(1) or title.group(2))
        body = html_to_text(body)
    fields = {"title": PurePath(name).stem, **defaults, **meta, "body": body}
    return parse(ArticleIn, fields)


def _from_json(text: str, name: str, defaults: dict[str, object]) -> list[ArticleIn]:
    """Build articles from a JSON object, a JSON array of objects, or JSON lines."""
    try:
        data = json.loads(text)
        records = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        records = _json_lines(text, name)
    except RecursionError:
        raise InvalidInput(
            N_("%(name)s is nested too deeply to read as JSON."), name=name
        ) from None
    articles = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise InvalidInput(
                N_("%(name)s: record %(number)s is not a JSON object."), name=name, number=number
            )
        try:
            articles.append(parse(ArticleIn, {**defaults, **_fields(record)}))
        except InvalidInput as exc:
            raise InvalidInput(
                N_("%(name)s, record %(number)s: %(reason)s"), name=name, number=number, reason=exc
            ) from None
    return articles


def _json_lines(text: str, name: str) -> list[object]:
    """Parse JSON lines, naming the first bad line."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise InvalidInput(
                N_("%(name)s: line %(number)s is not valid JSON."), name=name, number=number
            ) from None
        except RecursionError:
            raise InvalidInput(
                N_("%(name)s: line %(number)s is nested too deeply."), name=name, number=number
            ) from None
    return records


def parse_file(
    name: str, data: bytes, defaults: dict[str, object] | None = None
) -> list[ArticleIn]:
    """Parse one file's bytes into articles; `defaults` fill fields the file lacks."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise InvalidInput(
            N_("%(name)s: unsupported file type; use %(types)s."),
            name=name,
            types=", ".join(EXTENSIONS),
        )
    text = decode(data, name)
    if not text.strip():
        raise InvalidInput(N_("%(name)s is empty."), name=name)
    defaults = {k: v for k, v in (defaults or {}).items() if v}
    if suffix in (".json", ".jsonl"):
        return _from_json(text, name, defaults)
    return [_from_text(text, name, defaults)]


def iter_paths(paths: list[Path]) -> Iterator[Path]:
    """Yield importable files from files and folders, folders walked in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in EXTENSIONS)
        else:
            yield path
