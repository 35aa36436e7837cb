"""Train and evaluate the AnnoMI classifiers on a fixed split by transcript.

Split: transcripts whose ``transcript_id`` is divisible by 5 are the test set (26 of 133
transcripts). They are never used for training or model selection; hyperparameters come
from 5-fold cross-validation grouped by transcript within the training transcripts.

Data: AnnoMI-simple.csv (Wu et al., ICASSP 2022; Future Internet 15(3):110, 2023), one row
per utterance.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from alliance.transcripts.classifiers import (
    MODEL_DIR,
    SPECS,
    ModelSpec,
    UtteranceClassifier,
    conversation_features,
    load_models,
)
from alliance.transcripts.features import TfidfBlock
from alliance.transcripts.questions import is_open_question
from alliance.transcripts.textutil import strip_markers

DATA_FILE = "AnnoMI-simple.csv"
FULL_FILE = "AnnoMI-full.csv"  # only for scoring the open/closed question rule
TEST_MODULUS = 5
MODEL_VERSION = "1.0"
# Published utterance-level macro-F1 on AnnoMI (see shared/data/annomi/README.md); their
# splits and protocols differ from ours.
PUBLISHED = {
    "therapist": {"text_only_sota_pre_2024": 0.72, "m3tcm_2024_text_audio": 0.83},
    "client": {
        "text_only_sota_pre_2024": 0.55,
        "m3tcm_2024_text_audio": 0.66,
        "counselreflect_bert_base_not_peer_reviewed": 0.579,
    },
}
_ROLE = {"therapist": "practitioner", "client": "client"}


def default_data_dir() -> Path:
    """``../shared/data/annomi`` beside the repository that holds this package."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists():
            return parent.parent / "shared" / "data" / "annomi"
    return Path.cwd().parent / "shared" / "data" / "annomi"


@dataclass(frozen=True)
class Conversation:
    transcript_id: int
    texts: tuple[str, ...]
    roles: tuple[str, ...]
    codes: dict[str, tuple[str, ...]]  # model name -> code per turn ("n/a" for the other role)


@dataclass(frozen=True)
class Corpus:
    conversations: tuple[Conversation, ...]
    sha256: str
    path: Path

    def split(self, test: bool) -> list[Conversation]:
        return [c for c in self.conversations if (c.transcript_id % TEST_MODULUS == 0) == test]


def load_annomi(data_dir: Path | str | None = None) -> Corpus:
    """Read AnnoMI-simple.csv into conversations ordered by ``utterance_id``."""
    path = Path(data_dir) if data_dir else default_data_dir()
    csv_path = path / DATA_FILE if path.is_dir() else path
    if not csv_path.exists():
        raise FileNotFoundError(
            f"AnnoMI data not found at {csv_path}; pass --data DIR (the folder with {DATA_FILE})"
        )
    raw = csv_path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    rows: dict[int, list[tuple[int, str, str, str, str]]] = {}
    reader = csv.DictReader(raw.decode("utf-8").splitlines())
    for r in reader:
        rows.setdefault(int(r["transcript_id"]), []).append(
            (
                int(r["utterance_id"]),
                r["interlocutor"],
                r["utterance_text"],
                r["main_therapist_behaviour"],
                r["client_talk_type"],
            )
        )
    conversations = []
    for tid in sorted(rows):
        turns = sorted(rows[tid])
        conversations.append(
            Conversation(
                transcript_id=tid,
                texts=tuple(strip_markers(t[2]) for t in turns),
                roles=tuple(_ROLE[t[1]] for t in turns),
                codes={
                    "therapist": tuple(t[3] for t in turns),
                    "client": tuple(t[4] for t in turns),
                },
            )
        )
    return Corpus(tuple(conversations), digest, csv_path)


def _rows(conv: Conversation, spec: ModelSpec) -> list[int]:
    return [i for i, r in enumerate(conv.roles) if r == spec.role]


def _fit_blocks(spec: ModelSpec, convs: Iterable[Conversation]) -> list[TfidfBlock]:
    convs = list(convs)
    blocks = []
    for b in spec.blocks:
        texts: list[str] = []
        for c in convs:
            n = len(c.texts)
            texts.extend(
                c.texts[i + b.offset] if 0 <= i + b.offset < n else "" for i in _rows(c, spec)
            )
        blocks.append(TfidfBlock.fit(texts, b.analyzer, b.ngram, b.min_df))
    return blocks


def _matrix(
    spec: ModelSpec, blocks: list[TfidfBlock], convs: Iterable[Conversation]
) -> tuple[sparse.csr_matrix, NDArray[np.str_]]:
    mats: list[sparse.csr_matrix] = []
    ys: list[str] = []
    for c in convs:
        rows = _rows(c, spec)
        if not rows:
            continue
        mats.append(conversation_features(spec, blocks, c.texts, c.roles, rows))
        ys.extend(c.codes[spec.name][i] for i in rows)
    return sparse.vstack(mats, format="csr"), np.asarray(ys)


def fit_model(
    spec: ModelSpec, convs: list[Conversation], meta: dict[str, Any] | None = None
) -> UtteranceClassifier:
    """Fit one classifier on ``convs``; deterministic for the same data."""
    from sklearn.linear_model import LogisticRegression

    blocks = _fit_blocks(spec, convs)
    x, y = _matrix(spec, blocks, convs)
    model = LogisticRegression(
        C=spec.C, class_weight="balanced", max_iter=3000, solver="lbfgs", tol=1e-6
    )
    model.fit(x, y)
    classes = tuple(str(c) for c in model.classes_)
    if set(classes) != set(spec.labels):
        raise ValueError(f"{spec.name}: training labels {classes} differ from {spec.labels}")
    return UtteranceClassifier(
        spec, blocks, model.coef_.copy(), model.intercept_.copy(), classes, dict(meta or {})
    )


def scores(y_true: Iterable[str], y_pred: Iterable[str], labels: Iterable[str]) -> dict[str, Any]:
    """Macro-F1, per-class F1, accuracy and support (a JSON report, as the others here)."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = list(labels)
    y_true, y_pred = list(y_true), list(y_pred)
    per = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": round(float(np.mean(per)), 4),
        "per_class_f1": {lab: round(float(f), 4) for lab, f in zip(labels, per, strict=True)},
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "support": {lab: int(sum(1 for t in y_true if t == lab)) for lab in labels},
        "n": len(y_true),
    }


def cross_validate(spec: ModelSpec, corpus: Corpus, folds: int = 5) -> dict[str, Any]:
    """Grouped k-fold CV on the training transcripts only (for choosing hyperparameters)."""
    train = corpus.split(test=False)
    y_true: list[str] = []
    y_pred: list[str] = []
    for k in range(folds):
        held = [c for j, c in enumerate(train) if j % folds == k]
        fit = [c for j, c in enumerate(train) if j % folds != k]
        model = fit_model(spec, fit)
        x, y = _matrix(spec, model.blocks, held)
        y_true.extend(y)
        y_pred.extend(model.predict(x))
    return scores(y_true, y_pred, spec.labels)


def train(
    data_dir: Path | str | None = None,
    out_dir: Path | str | None = None,
    names: Iterable[str] = ("therapist", "client"),
) -> dict[str, dict[str, str]]:
    """Train the classifiers on the training transcripts and write them to ``out_dir``."""
    corpus = load_annomi(data_dir)
    out = Path(out_dir) if out_dir else MODEL_DIR
    train_convs = corpus.split(test=False)
    result: dict[str, dict[str, str]] = {}
    for name in names:
        spec = SPECS[name]
        meta: dict[str, Any] = {
            "version": f"{MODEL_VERSION}+annomi.{corpus.sha256[:12]}",
            "model_version": MODEL_VERSION,
            "training_data": DATA_FILE,
            "training_data_sha256": corpus.sha256,
            "split": f"train: transcript_id % {TEST_MODULUS} != 0; test: transcript_id % "
            f"{TEST_MODULUS} == 0",
            "train_transcripts": len(train_convs),
            "C": spec.C,
            "estimator": "LogisticRegression(multinomial, class_weight=balanced)",
        }
        model = fit_model(spec, train_convs, meta)
        npz, js = model.save(out)
        result[name] = {"npz": str(npz), "json": str(js), "version": meta["version"]}
    load_models.cache_clear()
    return result


def evaluate(
    data_dir: Path | str | None = None, model_dir: Path | str | None = None
) -> dict[str, Any]:
    """Score the shipped (or given) models on the fixed test transcripts."""
    corpus = load_annomi(data_dir)
    models = load_models(str(model_dir) if model_dir else None)
    test = corpus.split(test=True)
    out: dict[str, Any] = {
        "split": f"test: transcript_id % {TEST_MODULUS} == 0",
        "test_transcripts": len(test),
        "data_sha256": corpus.sha256,
    }
    for name, model in models.items():
        x, y = _matrix(model.spec, model.blocks, test)
        result = scores(y, model.predict(x), model.spec.labels)
        result["model_version"] = model.version
        result["trained_on_sha256"] = model.meta.get("training_data_sha256")
        result["published_macro_f1"] = PUBLISHED[name]
        out[name] = result
    full = corpus.path.parent / FULL_FILE
    if full.exists():
        out["open_question_rule"] = evaluate_open_questions(full)
    return out


def evaluate_open_questions(full_csv: Path) -> dict[str, Any]:
    """Score the open/closed wording rule against AnnoMI-full's ``question_subtype``.

    Test transcripts only; each utterance once (the first annotation of the seven
    transcripts that all ten annotators coded).
    """

    seen: set[tuple[str, str]] = set()
    y_true, y_pred = [], []
    with full_csv.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            key = (r["transcript_id"], r["utterance_id"])
            if key in seen or int(r["transcript_id"]) % TEST_MODULUS:
                continue
            seen.add(key)
            if r["question_subtype"] in ("open", "closed"):
                y_true.append(r["question_subtype"])
                y_pred.append("open" if is_open_question(r["utterance_text"]) else "closed")
    return scores(y_true, y_pred, ("open", "closed"))
