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
    assert {"article", "claim", "claimlink", "verdict", "source", "indexstate"} <= tables


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
