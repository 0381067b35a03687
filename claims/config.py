"""Configuration: the one place that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path

# The project root: templates/, static/ and migrations/ live there.
ROOT = Path(__file__).resolve().parent.parent
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"
# Share of the dense cosine in the fused score; tuned on the benchmark dev splits.
DENSE_WEIGHT = 0.5
# Exact search up to this many claims (6 ms a query at 10^5 here), IVF beyond.
EXACT_LIMIT = 100_000
# IVF lists visited per search. At 10^6 clustered claims (IVF4000, `make bench`), recall@10
# is 0.90 with 16, 0.986 with 32 and 0.993 with 64, for under 1 ms more a query.
NPROBE = 32


def _float(name: str, default: float) -> float:
    """Read a float setting, falling back to the default when unset."""
    value = os.environ.get(name)
    return float(value) if value else default


def default_queue(database_url: str, instance: Path) -> str:
    """Return the queue that goes with a database: the same PostgreSQL, else a SQLite file."""
    if database_url.startswith(("postgresql:", "postgres:")):
        return database_url
    return f"sqlite:///{instance / 'queue.db'}"


def default_cache() -> Path:
    """Return this user's cache folder for the app (XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "claim-tracker"


class Config:
    """Settings read from the environment, with embedded defaults."""

    def __init__(self, instance_path: str) -> None:
        instance = Path(instance_path)
        # When unset, create_app keeps a generated key in instance/secret_key.
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        self.DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'claims.db'}"
        self.CLAIMS_MODEL = os.environ.get("CLAIMS_MODEL") or PACKAGED_MODEL
        # This machine's index snapshots; every process here shares the folder.
        self.CLAIMS_INDEX_PATH = os.environ.get("CLAIMS_INDEX_PATH") or str(instance / "index")
        # Search queries (one text) run on ONNX Runtime, exported once into this cache folder;
        # CLAIMS_QUERY_ENGINE=torch keeps them on torch.
        self.QUERY_ENGINE = os.environ.get("CLAIMS_QUERY_ENGINE") or "onnx"
        self.ONNX_DIR = os.environ.get("CLAIMS_ONNX_DIR") or str(default_cache() / "onnx")
        # Fused-score thresholds, calibrated on the benchmark dev splits (docs/quality.md).
        # `flask claims calibrate` replaces them with reviewers' data unless they are set here.
        self.SUGGEST_THRESHOLD = _float("CLAIMS_SUGGEST_THRESHOLD", 0.45)
        self.AUTOLINK_THRESHOLD = _float("CLAIMS_AUTOLINK_THRESHOLD", 0.85)
        self.THRESHOLDS_FROM_ENV = any(
            os.environ.get(name)
            for name in ("CLAIMS_SUGGEST_THRESHOLD", "CLAIMS_AUTOLINK_THRESHOLD")
        )
        # Exact vector search up to this many claims, then IVF visiting IVF_NPROBE lists.
        self.EXACT_LIMIT = int(os.environ.get("CLAIMS_EXACT_LIMIT") or EXACT_LIMIT)
        self.IVF_NPROBE = int(os.environ.get("CLAIMS_IVF_NPROBE") or NPROBE)
        # Memory-map the saved index (copied privately only by the process that changes it).
        self.INDEX_MMAP = os.environ.get("CLAIMS_INDEX_MMAP", "1") != "0"
        # The background-job queue: SQLite beside the database by default; postgresql:// or
        # redis:// take over by configuration. With a PostgreSQL database it is that database.
        self.QUEUE_URL = os.environ.get("CLAIMS_QUEUE_URL") or default_queue(
            self.DATABASE_URL, instance
        )
        # Learned check-worthiness weights (JSON); empty means the ones shipped in the package.
        self.CHECKWORTHINESS_MODEL = os.environ.get("CLAIMS_CHECKWORTHINESS_MODEL") or ""
        # Share of the dense cosine in the fused match score (the rest is normalised BM25).
        self.DENSE_WEIGHT = _float("CLAIMS_DENSE_WEIGHT", DENSE_WEIGHT)
        self.MAX_CONTENT_LENGTH = int(os.environ.get("CLAIMS_MAX_UPLOAD_BYTES") or 2 * 1024 * 1024)
        self.MAX_BODY_CHARS = int(os.environ.get("CLAIMS_MAX_BODY_CHARS") or 200_000)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Set CLAIMS_SECURE_COOKIES=1 when the app is served over HTTPS.
        self.SESSION_COOKIE_SECURE = os.environ.get("CLAIMS_SECURE_COOKIES") == "1"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # Tokens live as long as the session, so a form left open for hours still saves.
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_FORM_MEMORY_SIZE = 1024 * 1024
        self.MAX_FORM_PARTS = 200
        # Sign-in locks for 15 minutes after this many failures for one account from one
        # address (or from this many addresses), and after 4 times as many from one address.
        self.LOGIN_MAX_FAILURES = int(os.environ.get("CLAIMS_LOGIN_MAX_FAILURES") or 5)
        self.LOGIN_MAX_ADDRESS_FAILURES = int(
            os.environ.get("CLAIMS_LOGIN_MAX_ADDRESS_FAILURES") or 4 * self.LOGIN_MAX_FAILURES
        )
        # How many reverse proxies stand in front of the app (0: none). Only then are their
        # X-Forwarded-For/-Proto/-Host headers believed, for the client's address among others.
        self.TRUSTED_PROXIES = int(os.environ.get("CLAIMS_TRUSTED_PROXIES") or 0)
        # The interface language when neither the user, the session nor the browser picks one.
        self.CLAIMS_LOCALE = os.environ.get("CLAIMS_LOCALE") or "fr"
        self.ORGANISATION = os.environ.get("CLAIMS_ORGANISATION") or "Claim Tracker"
        # The organisation's home page, the author `url` in ClaimReview exports (omitted if unset).
        self.ORGANISATION_URL = os.environ.get("CLAIMS_ORGANISATION_URL") or ""
        # Scheme and host readers use, e.g. https://factcheck.example; unset means this request's.
        self.PUBLIC_BASE_URL = os.environ.get("CLAIMS_PUBLIC_BASE_URL") or ""
        # Importing by URL never fetches from private, local or reserved addresses; these
        # comma-separated hosts or networks are let through (e.g. 127.0.0.1, 10.1.0.0/16).
        self.FETCH_ALLOW = os.environ.get("CLAIMS_FETCH_ALLOW") or ""
        self.FETCH_MAX_BYTES = int(os.environ.get("CLAIMS_FETCH_MAX_BYTES") or 10_000_000)

    def as_dict(self) -> dict[str, object]:
        """Return the settings as a mapping for app.config."""
        return {k: v for k, v in vars(self).items() if k.isupper()}
