"""Running the Alembic migrations programmatically, for the CLI and the tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from claims import ROOT
from claims.db import engine_url


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
