"""The migrations build exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import claims.models  # noqa: F401
from claims.migrate import upgrade


def test_migrations_on_an_empty_database_equal_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_is_repeatable(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)
    engine = sa.create_engine(url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "article",
        "claim",
        "claimlink",
        "verdict",
        "source",
        "searchchange",
        "pendinglink",
    } <= tables


def test_an_outdated_database_is_refused_with_the_fix_until_upgraded(tmp_path):
    from claims import create_app
    from tests.conftest import HashingEmbedder

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "e348eba7b1dd")  # the schema before claims had a matching text
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": url,
            "CLAIMS_INDEX_PATH": str(tmp_path / "old.faiss"),
            "CLAIMS_EMBEDDER": HashingEmbedder(),
        }
    )
    client, runner = app.test_client(), app.test_cli_runner()
    page, api = client.get("/login"), client.get("/api/claims")
    assert page.status_code == api.status_code == 503
    assert "claims init-db" in api.get_json()["error"]
    assert "claims init-db" in page.get_data(as_text=True)
    result = runner.invoke(args=["claims", "index-status"])
    assert result.exit_code != 0 and "schema is older" in result.output
    assert "Traceback" not in result.output
    assert runner.invoke(args=["claims", "init-db"]).exit_code == 0
    assert client.get("/login").status_code == 200
    assert runner.invoke(args=["claims", "index-status"]).exit_code == 0


def test_the_change_log_starts_with_every_claim_already_stored(tmp_path):
    """Upgrading a database that holds claims logs each once, so indexes replay them all."""
    url = f"sqlite:///{tmp_path / 'stored.db'}"
    upgrade(url, "1a44b24b7c41")  # the schema with IndexState, before the change log
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO source (id, name) VALUES (1, 'S')"))
        connection.execute(
            sa.text(
                "INSERT INTO article (id, source_id, title, language, body, body_sha256, "
                "created_at) VALUES (1, 1, 'T', 'en', 'b', 'h', '2026-01-01 00:00:00')"
            )
        )
        for claim_id in (3, 1, 2):
            connection.execute(
                sa.text(
                    'INSERT INTO claim (id, article_id, position, start, "end", text, language, '
                    "checkworthiness, status, version, created_at) VALUES "
                    "(:id, 1, :id, 0, 1, 'b', 'en', 0.5, 'unreviewed', 1, '2026-01-01 00:00:00')"
                ),
                {"id": claim_id},
            )
    upgrade(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, claim_id FROM searchchange ORDER BY id"))
        assert [tuple(row) for row in rows] == [(1, 1), (2, 2), (3, 3)]
        assert "indexstate" not in sa.inspect(connection).get_table_names()
    engine.dispose()
