"""Utterance classifiers for motivational-interviewing codes, trained on AnnoMI.

Two linear models (multinomial logistic regression over TF-IDF word and character n-grams
of the utterance and of the turns before it, plus a few turn-structure features):

* ``therapist``: main therapist behaviour — question, reflection, therapist_input, other.
* ``client``: client talk type — change, neutral, sustain.

Weights are stored as plain arrays (``<name>.npz``, loaded with ``allow_pickle=False``) and
metadata (labels, features, version, SHA-256 of the training file) as ``<name>.json``.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from alliance.transcripts.features import N_DENSE, TfidfBlock, TokenCache, dense_features

MODEL_DIR = Path(__file__).resolve().parent / "models"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BlockSpec:
    """One TF-IDF block: the text at ``offset`` turns from the utterance (0 = itself)."""

    offset: int
    analyzer: str
    ngram: tuple[int, int]
    weight: float = 1.0
    min_df: int = 2

    @property
    def key(self) -> str:
        return f"b{self.offset:+d}_{self.analyzer}_{self.ngram[0]}{self.ngram[1]}"


@dataclass(frozen=True)
class ModelSpec:
    """What one classifier codes and how its features are built.

    Hyperparameters were chosen by 5-fold cross-validation grouped by transcript on the
    training transcripts only (see ``alliance.transcripts.training.cross_validate``).
    """

    name: str
    role: str  # the speaker role whose turns the model codes
    label_column: str
    labels: tuple[str, ...]
    blocks: tuple[BlockSpec, ...]
    C: float
    dense_weight: float = 1.0


THERAPIST = ModelSpec(
    name="therapist",
    role="practitioner",
    label_column="main_therapist_behaviour",
    labels=("question", "reflection", "therapist_input", "other"),
    blocks=(
        BlockSpec(0, "word", (1, 2)),
        BlockSpec(0, "char_wb", (2, 5)),
        BlockSpec(-1, "word", (1, 2), weight=0.5),
        BlockSpec(-2, "word", (1, 2), weight=0.3),
    ),
    C=0.5,
)

CLIENT = ModelSpec(
    name="client",
    role="client",
    label_column="client_talk_type",
    labels=("change", "neutral", "sustain"),
    blocks=(
        BlockSpec(0, "word", (1, 2)),
        BlockSpec(0, "char_wb", (2, 5)),
        BlockSpec(-1, "word", (1, 2), weight=0.5),
        BlockSpec(-2, "word", (1, 2), weight=0.3),
    ),
    C=0.5,
)

SPECS = {s.name: s for s in (THERAPIST, CLIENT)}


def conversation_features(
    spec: ModelSpec,
    blocks: Sequence[TfidfBlock],
    texts: Sequence[str],
    roles: Sequence[str],
    rows: Sequence[int] | None = None,
    tokens: TokenCache | None = None,
) -> sparse.csr_matrix:
    """Return the feature matrix for the turns ``rows`` (default: all) of one conversation.

    ``texts`` should already be free of transcription markers; ``roles`` use the role names
    ``practitioner``/``client``/``interpreter``/``other``. ``tokens`` is an optional cache
    (analyzer key → n-grams per text) shared between models coding the same conversation.
    """
    n = len(texts)
    idx = list(range(n)) if rows is None else list(rows)
    cache: TokenCache = {} if tokens is None else tokens
    mats = []
    for bspec, block in zip(spec.blocks, blocks, strict=True):
        if block.key not in cache:
            cache[block.key] = block.analyze(texts)
        toks = cache[block.key]
        docs = [toks[i + bspec.offset] if 0 <= i + bspec.offset < n else [] for i in idx]
        mats.append(block.transform_tokens(docs) * bspec.weight)
    positions = np.arange(n) / max(1, n - 1)
    dense = dense_features(texts, roles, positions)[idx] * spec.dense_weight
    mats.append(sparse.csr_matrix(dense))
    out: sparse.csr_matrix = sparse.hstack(mats, format="csr")
    return out


@dataclass
class UtteranceClassifier:
    """A fitted classifier: feature blocks, linear weights and metadata."""

    spec: ModelSpec
    blocks: list[TfidfBlock]
    coef: NDArray[np.float64]  # (n_classes, n_features)
    intercept: NDArray[np.float64]  # (n_classes,)
    classes: tuple[str, ...]
    meta: dict[str, Any]  # JSON: labels, features, version, training data

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    def decision(self, x: sparse.csr_matrix) -> NDArray[np.float64]:
        return np.asarray(x @ self.coef.T) + self.intercept

    def predict_proba(self, x: sparse.csr_matrix) -> NDArray[np.float64]:
        """Softmax over the linear scores (multinomial logistic regression)."""
        z = self.decision(x)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        total: NDArray[np.float64] = e.sum(axis=1, keepdims=True)
        return e / total

    def predict(self, x: sparse.csr_matrix) -> list[str]:
        return [self.classes[i] for i in self.decision(x).argmax(axis=1)]

    def code_conversation(
        self, texts: Sequence[str], roles: Sequence[str], tokens: TokenCache | None = None
    ) -> dict[int, tuple[str, float]]:
        """Code the turns of ``self.spec.role``; return index → (label, probability).

        ``texts`` must be free of transcription markers (see ``strip_markers``).
        """
        rows = [i for i, r in enumerate(roles) if r == self.spec.role]
        if not rows:
            return {}
        x = conversation_features(self.spec, self.blocks, texts, roles, rows, tokens)
        proba = self.predict_proba(x)
        best = proba.argmax(axis=1)
        return {
            i: (self.classes[int(k)], float(proba[j, k]))
            for j, (i, k) in enumerate(zip(rows, best, strict=True))
        }

    # --- storage ---------------------------------------------------------------------
    def save(self, directory: Path = MODEL_DIR) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, NDArray[np.generic]] = {
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
        }
        for bspec, block in zip(self.spec.blocks, self.blocks, strict=True):
            arrays.update(block.to_arrays(bspec.key + "_"))
        npz = directory / f"{self.spec.name}.npz"
        _write_npz(npz, arrays)
        meta = dict(self.meta)
        meta.update(
            {
                "format_version": FORMAT_VERSION,
                "name": self.spec.name,
                "classes": list(self.classes),
                "blocks": [
                    {"key": b.key, "offset": b.offset, "weight": b.weight, **blk.to_meta()}
                    for b, blk in zip(self.spec.blocks, self.blocks, strict=True)
                ],
                "n_features": int(self.coef.shape[1]),
                "n_dense": N_DENSE,
            }
        )
        path = directory / f"{self.spec.name}.json"
        path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return npz, path

    @classmethod
    def load(cls, name: str, directory: Path = MODEL_DIR) -> UtteranceClassifier:
        spec = SPECS[name]
        meta_path = directory / f"{name}.json"
        npz_path = directory / f"{name}.npz"
        if not meta_path.exists() or not npz_path.exists():
            raise FileNotFoundError(
                f"model {name!r} is missing in {directory}; run `alliance transcripts train`"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"model {name!r} has format {meta.get('format_version')}, expected "
                f"{FORMAT_VERSION}; retrain with `alliance transcripts train`"
            )
        stored_keys = [b["key"] for b in meta["blocks"]]
        if stored_keys != [b.key for b in spec.blocks]:
            raise ValueError(f"model {name!r} was trained with other feature blocks; retrain")
        with np.load(npz_path, allow_pickle=False) as arrays:
            blocks = [TfidfBlock.from_arrays(bm, arrays, bm["key"] + "_") for bm in meta["blocks"]]
            coef = arrays["coef"].astype(np.float64)
            intercept = arrays["intercept"].astype(np.float64)
        for block in blocks:  # build the lookup tables now, not on the first call
            block.transform_tokens([[]])
        n_features = sum(len(b.terms) for b in blocks) + N_DENSE
        if coef.shape != (len(meta["classes"]), n_features):
            raise ValueError(f"model {name!r}: weights do not fit its vocabulary; retrain")
        return cls(spec, blocks, coef, intercept, tuple(meta["classes"]), meta)


def _write_npz(path: Path, arrays: dict[str, NDArray[np.generic]]) -> None:
    """Write a compressed ``.npz`` with fixed zip dates, so equal weights give equal bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


@lru_cache(maxsize=4)
def load_models(directory: str | None = None) -> dict[str, UtteranceClassifier]:
    """Load both shipped classifiers (cached)."""
    path = Path(directory) if directory else MODEL_DIR
    return {name: UtteranceClassifier.load(name, path) for name in SPECS}
