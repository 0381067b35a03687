"""Running the Alembic migrations programmatically, for the CLI and the tests."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from claims.config import ROOT
from claims.db import engine_url
from claims.errors import N_


def alembic_config(database_url: str) -> Config:
    """Return an Alembic config pointed at this project's migrations and a database."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # ConfigParser treats % specially; URLs with escaped passwords contain it.
    config.set_main_option("sqlalchemy.url", engine_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply the migrations up to a revision."""
    command.upgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    """Autogenerate a new revision from the models (for developers)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


OUTDATED = N_(
    "The database schema is older than this version of the app; "
    "run `flask --app app claims init-db` to upgrade it."
)


def schema_is_current(engine: sa.Engine) -> bool:
    """Tell whether the database is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
