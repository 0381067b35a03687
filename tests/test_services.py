"""Services through the real packaged model: import, near-duplicates, search."""

from pathlib import Path

import pytest
from sqlmodel import Session, select

from claims.intake.files import iter_paths, parse_file
from claims.models import Article, Claim, ClaimLink, Source
from claims.schemas import ClaimFilters
from claims.search.fusion import Match
from claims.services.articles import IngestSettings, ingest_batch
from claims.services.links import hydrate, links_of, search_claims, similar_to

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def seeded(model_app):
    """A session on a database holding every seed, imported with the real model."""
    services = model_app.extensions["claims"]
    with Session(services.engine, expire_on_commit=False) as session:
        services.index.ensure_fresh(session)
        articles = [
            article
            for path in iter_paths([ROOT / "seeds"])
            for article in parse_file(path.name, path.read_bytes())
        ]
        settings = IngestSettings(200_000, model_app.config["SUGGEST_THRESHOLD"])
        results = ingest_batch(session, services.embedder, services.index, articles, settings)
        yield session, services, results


def claim_with(session, fragment: str) -> Claim:
    """Return the one claim containing a fragment."""
    return session.exec(select(Claim).where(Claim.text.contains(fragment))).one()


def source_of(session, claim: Claim) -> str:
    """Return the source name of a claim's article."""
    article = session.get(Article, claim.article_id)
    return session.get(Source, article.source_id).name


def test_the_french_seed_gives_its_claims_with_speakers(seeded):
    session, _, results = seeded
    seed = results[0]
    assert seed.article.language == "fr" and len(seed.claims) >= 20
    for claim in seed.claims:
        assert seed.article.body[claim.start : claim.end] == claim.text
        assert 0 <= claim.checkworthiness <= 1
    tokyo = claim_with(session, "Tokyo a évoqué le lancement de deux missiles balistiques")
    assert tokyo.speaker == "Tokyo"
    missile = claim_with(session, "un missile balistique non identifié")
    assert missile.speaker and "état-major" in missile.speaker
    assert claim_with(session, "C'est pourquoi nous sommes venus ici").speaker == "Vladimir Poutine"


def test_every_claim_is_embedded_and_indexed(seeded):
    session, services, _ = seeded
    claims = list(session.exec(select(Claim)))
    assert all(len(c.embedding) == 384 * 4 for c in claims)
    assert all(c.embedding_model == services.embedder.name for c in claims)
    assert sorted(services.index.dense.ids()) == sorted(c.id for c in claims)


def test_reimporting_is_idempotent(seeded):
    session, services, results = seeded
    before = len(list(session.exec(select(Claim.id))))
    path = next(iter_paths([ROOT / "seeds"]))
    (article,) = parse_file(path.name, path.read_bytes())
    settings = IngestSettings(max_chars=200_000, suggest_threshold=0.5)
    (again,) = ingest_batch(session, services.embedder, services.index, [article], settings)
    assert not again.created and again.article.id == results[0].article.id
    assert len(list(session.exec(select(Claim.id)))) == before


def test_cross_source_restatements_are_suggested_as_links(seeded):
    session, _, _ = seeded
    seed_claim = claim_with(session, "Mercredi, Vladimir Poutine a évoqué la possibilité")
    links = links_of(session, seed_claim.id)
    assert links, "the French restatement in another outlet should be linked"
    assert links[0].source.name == "Le Quotidien du Matin"
    assert links[0].link.state == "suggested" and links[0].score >= 0.5
    assert all(item.article.id != seed_claim.article_id for item in links)


def test_unrelated_stories_are_not_linked(seeded):
    session, _, _ = seeded
    festival = session.exec(select(Article).where(Article.title.contains("festival"))).one()
    earnings = session.exec(select(Article).where(Article.title.contains("Nordvale"))).one()
    ids = {c.id for c in session.exec(select(Claim).where(Claim.article_id == festival.id))}
    other = {c.id for c in session.exec(select(Claim).where(Claim.article_id == earnings.id))}
    pairs = session.exec(select(ClaimLink.claim_a_id, ClaimLink.claim_b_id)).all()
    assert not any({a, b} & ids and {a, b} & other for a, b in pairs)


def test_similar_ranks_the_english_restatement_first(seeded):
    session, services, _ = seeded
    claim = claim_with(session, "South Korea's Joint Chiefs of Staff said North Korea launched")
    similar = similar_to(session, services.index, claim, 3)
    assert "North Korea fired a ballistic missile towards the East Sea" in similar[0].claim.text
    assert similar[0].article.id != claim.article_id


def test_search_uses_the_same_matching_and_filters(seeded):
    session, services, _ = seeded
    found = search_claims(
        session,
        services.embedder,
        services.index,
        "Japan reported two ballistic missiles",
        5,
        ClaimFilters(),
    )
    assert found[0].claim.text == "Japan said two ballistic missiles were launched."
    french = search_claims(
        session,
        services.embedder,
        services.index,
        "missiles balistiques",
        5,
        ClaimFilters(language="fr", source="AFP"),
    )
    assert french and all(s.source.name == "AFP" and s.claim.language == "fr" for s in french)


def test_hydrating_with_a_limit_reads_on_until_enough_claims_pass_the_filters(seeded):
    session, _, _ = seeded
    query = (
        select(Claim.id, Source.name)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
        .order_by(Claim.id)
    )
    rows = session.exec(query).all()
    wanted = rows[-1][1]  # a source whose claims come last in this ranking
    matches = [Match(claim_id, 1 - n / 1000, 0.0, 0.0) for n, (claim_id, _) in enumerate(rows)]
    filters = ClaimFilters(source=wanted)
    every = hydrate(session, matches, filters)
    assert every and all(s.source.name == wanted for s in every)
    assert [s.claim.id for s in hydrate(session, matches, filters, limit=2)] == [
        s.claim.id for s in every[:2]
    ]
    assert len(hydrate(session, matches, None, limit=3)) == 3
    assert hydrate(session, matches[:0], None, limit=3) == []
