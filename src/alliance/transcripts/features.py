"""Text features for the utterance classifiers: TF-IDF blocks over an utterance and its context.

The vectoriser is our own thin layer over scikit-learn's ``CountVectorizer`` so that a fitted
vocabulary and its IDF weights can be stored as plain arrays (``.npz``) and loaded without pickle.

Weights follow scikit-learn's smoothed, sublinear TF-IDF:
``w(t, d) = (1 + ln tf(t, d)) * (ln((1 + n) / (1 + df(t))) + 1)``, each block L2-normalised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

# Tokens: words with inner apostrophes/hyphens, and "?" / "!" kept as tokens of their own.
WORD_REGEX = r"(?u)\b\w[\w'’-]*\b|[?!]"

# (analyzer, smallest n, largest n): blocks with the same key split text the same way.
AnalyzerKey = tuple[str, int, int]
# Analyzer key → n-grams per text, shared by the models that code one conversation.
TokenCache = dict[AnalyzerKey, list[list[str]]]


@dataclass
class TfidfBlock:
    """One fitted TF-IDF block: an analyzer, its vocabulary and IDF weights."""

    analyzer: str  # "word" or "char_wb"
    ngram_min: int
    ngram_max: int
    terms: list[str]
    idf: NDArray[np.float64]

    def _counter(self, vocabulary: dict[str, int] | None = None) -> CountVectorizer:
        kwargs: dict[str, object] = {
            "analyzer": self.analyzer,
            "ngram_range": (self.ngram_min, self.ngram_max),
            "lowercase": True,
            "dtype": np.float64,
        }
        if self.analyzer == "word":
            kwargs["token_pattern"] = WORD_REGEX
        if vocabulary is not None:
            kwargs["vocabulary"] = vocabulary
        return CountVectorizer(**kwargs)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        analyzer: str,
        ngram_range: tuple[int, int],
        min_df: int = 2,
    ) -> TfidfBlock:
        """Fit the vocabulary (terms in at least ``min_df`` texts) and smoothed IDF."""
        proto = cls(analyzer, ngram_range[0], ngram_range[1], [], np.zeros(0))
        counter = proto._counter()
        counter.set_params(min_df=min_df)
        counts = counter.fit_transform(texts)
        vocab = counter.vocabulary_
        terms = sorted(vocab, key=vocab.__getitem__)
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        return cls(analyzer, ngram_range[0], ngram_range[1], terms, idf)

    @property
    def key(self) -> AnalyzerKey:
        """Blocks with the same key tokenise text the same way and can share the work."""
        return (self.analyzer, self.ngram_min, self.ngram_max)

    def analyze(self, texts: Sequence[str]) -> list[list[str]]:
        """Tokenise ``texts`` into this block's n-grams."""
        return analyze(self.key, texts)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Return the L2-normalised sublinear TF-IDF matrix for ``texts``."""
        return self.transform_tokens(self.analyze(texts))

    def transform_tokens(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Like ``transform`` but for documents already split by ``analyze``."""
        vocab = self.__dict__.get("_vocab")
        if vocab is None:
            vocab = {t: i for i, t in enumerate(self.terms)}
            self.__dict__["_vocab"] = vocab
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        get = vocab.get
        for toks in docs:
            counts: dict[int, int] = {}
            for tok in toks:
                j = get(tok)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            indices.extend(counts)
            data.extend(counts.values())
            indptr.append(len(indices))
        x = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
            shape=(len(docs), len(self.terms)),
        )
        x.data = (1.0 + np.log(x.data)) * self.idf[x.indices]
        return _l2_normalise(x)

    # --- storage as plain arrays -------------------------------------------------------
    def to_arrays(self, prefix: str) -> dict[str, NDArray[np.generic]]:
        """Return arrays for ``np.savez`` (terms joined by newlines, stored as bytes)."""
        joined = "\n".join(self.terms).encode("utf-8")
        return {
            f"{prefix}terms": np.frombuffer(joined, dtype=np.uint8),
            f"{prefix}idf": self.idf.astype(np.float32),
        }

    def to_meta(self) -> dict[str, object]:
        return {"analyzer": self.analyzer, "ngram_range": [self.ngram_min, self.ngram_max]}

    @classmethod
    def from_arrays(
        cls, meta: Mapping[str, Any], arrays: Mapping[str, NDArray[np.generic]], prefix: str
    ) -> TfidfBlock:
        raw = bytes(arrays[f"{prefix}terms"].tobytes()).decode("utf-8")
        terms = raw.split("\n") if raw else []
        idf = arrays[f"{prefix}idf"].astype(np.float64)
        if len(terms) != len(idf):
            raise ValueError(f"model block {prefix!r}: {len(terms)} terms but {len(idf)} weights")
        lo, hi = meta["ngram_range"]
        return cls(meta["analyzer"], int(lo), int(hi), terms, idf)


_ANALYZERS: dict[AnalyzerKey, Callable[[str], list[str]]] = {}


def analyze(key: AnalyzerKey, texts: Sequence[str]) -> list[list[str]]:
    """Split ``texts`` into n-grams the way a block with ``key`` does."""
    fn = _ANALYZERS.get(key)
    if fn is None:
        analyzer, lo, hi = key
        kwargs: dict[str, object] = {
            "analyzer": analyzer,
            "ngram_range": (lo, hi),
            "lowercase": True,
        }
        if analyzer == "word":
            kwargs["token_pattern"] = WORD_REGEX
        fn = CountVectorizer(**kwargs).build_analyzer()
        _ANALYZERS[key] = fn
    return [fn(t) for t in texts]


def _l2_normalise(x: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ x)


_QUESTION_START = re.compile(
    r"^\s*(?:(?:so|and|okay|ok|well|um|uh|now|but|yeah|alright|all right)[,.]?\s+)*"
    r"(what|how|why|when|where|who|which|tell me|can you|could you|would you|do you|did you|"
    r"are you|is it|is there|have you|has|will you)\b",
    re.IGNORECASE,
)


def dense_features(
    texts: Sequence[str], roles: Sequence[str], positions: Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return a small dense block per utterance (length, punctuation, turn structure)."""
    rows = []
    n = len(texts)
    for i in range(n):
        text = texts[i]
        words = text.split()
        prev_text = texts[i - 1] if i > 0 else ""
        prev_same = 1.0 if i > 0 and roles[i - 1] == roles[i] else 0.0
        rows.append(
            [
                np.log1p(len(words)) / 5.0,
                1.0 if text.rstrip().endswith("?") else 0.0,
                min(text.count("?"), 3) / 3.0,
                1.0 if _QUESTION_START.search(text) else 0.0,
                np.log1p(len(prev_text.split())) / 5.0,
                1.0 if prev_text.rstrip().endswith("?") else 0.0,
                prev_same,
                1.0 if i == 0 else 0.0,
                float(positions[i]),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(n, 9)


N_DENSE = 9


def context_texts(
    texts: Sequence[str], roles: Sequence[str], offsets: Sequence[int]
) -> dict[int, list[str]]:
    """Return, for each offset k, the text at ``i + k`` (empty outside the conversation)."""
    n = len(texts)
    out: dict[int, list[str]] = {}
    for k in offsets:
        out[k] = [texts[i + k] if 0 <= i + k < n else "" for i in range(n)]
    return out
