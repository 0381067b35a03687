"""Parsing imported files into articles."""

import json
from pathlib import Path

import pytest

from claims.errors import InvalidInput
from claims.intake.files import iter_paths, parse_file

ROOT = Path(__file__).resolve().parent.parent


def test_front_matter_gives_the_metadata():
    data = (
        b"---\ntitle: Un titre\nsource: Le Monde\nurl: https://example.org/a\n"
        b"published: 2024-01-31\nlanguage: fr\n---\n\nLe corps de l'article est ici."
    )
    (article,) = parse_file("a.md", data)
    assert article.title == "Un titre" and article.source == "Le Monde"
    assert article.url == "https://example.org/a" and str(article.published_at) == "2024-01-31"
    assert article.language == "fr" and article.body.strip() == "Le corps de l'article est ici."


def test_plain_text_takes_defaults_and_the_file_name_as_title():
    (article,) = parse_file("rapport_annuel.txt", b"Body text here.", {"source": "AFP"})
    assert article.title == "rapport_annuel" and article.source == "AFP"


def test_html_is_stripped_and_titled():
    html = b"<html><head><title>Big news</title><script>alert(1)</script></head>"
    html += b"<body><p>First paragraph.</p><p>Second &amp; last.</p></body></html>"
    (article,) = parse_file("page.html", html, {"source": "Web"})
    assert article.title == "Big news"
    assert "alert" not in article.body and "Second & last." in article.body


def test_json_object_array_and_lines():
    record = {"title": "T", "source": "S", "text": "Body one."}
    assert len(parse_file("one.json", json.dumps(record).encode())) == 1
    assert len(parse_file("many.json", json.dumps([record, record]).encode())) == 2
    lines = "\n".join(json.dumps({**record, "text": f"Body {i}."}) for i in range(3))
    assert [a.body for a in parse_file("x.jsonl", lines.encode())] == [
        "Body 0.",
        "Body 1.",
        "Body 2.",
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bin.txt", b"abc\x00def", "binary"),
        ("latin.txt", "café".encode("latin-1"), "UTF-8"),
        ("x.pdf", b"%PDF", "unsupported file type"),
        ("empty.txt", b"   \n", "empty"),
        ("bad.jsonl", b'{"title": "a"}\n{oops', "line 2"),
        ("list.json", b"[1, 2]", "record 1 is not a JSON object"),
        ("missing.json", b'{"title": "T", "body": "B"}', "source"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name, data, message):
    with pytest.raises(InvalidInput, match=message):
        parse_file(name, data)


def test_iter_paths_walks_folders_in_order():
    files = list(iter_paths([ROOT / "seeds"]))
    assert len(files) >= 9
    assert files == sorted(files)
    assert files[0].name.startswith("000_")


def test_every_seed_carries_its_metadata():
    for path in iter_paths([ROOT / "seeds"]):
        (article,) = parse_file(path.name, path.read_bytes())
        assert article.title and article.source and article.url
        assert article.published_at and article.language in ("fr", "en")
