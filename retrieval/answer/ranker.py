"""The answer-sentence ranker: a linear model over the answer features, fitted on the dev sets.

A sentence's score is ``x · w + x[K] · w_kind`` where ``x`` is its feature vector
(:data:`retrieval.answer.FEATURES`), ``w`` one weight per feature, and ``w_kind`` a weight per
feature of :data:`retrieval.answer.KIND_FEATURES` for the kind of the question (a cause
counts for "vì sao", a time for "khi nào"). The weights are fitted by
``python -m retrieval train`` (``retrieval/tools/training.py``) and kept as JSON next to this file
(``ranker.json``, never pickle), loaded once per process.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import RetrievalError
from .features import FEATURES, KIND_FEATURES
from .question import KINDS, Kind

MODEL_PATH = Path(__file__).with_name("ranker.json")
MODEL_FORMAT = 1


class RankerError(RetrievalError):
    """The ranker file is missing, damaged, or was fitted for other features."""


@dataclass(frozen=True)
class Ranker:
    """Weights for the answer features (see the module docstring)."""

    weights: np.ndarray  # one per FEATURES
    kind_weights: dict[Kind, np.ndarray]  # one per KIND_FEATURES, for each kind
    trained: dict[str, object]  # what it was fitted on, for the record (figures, data, settings)

    def score(self, matrix: np.ndarray, kind: Kind) -> np.ndarray:
        """Scores of the rows of a candidates × FEATURES matrix for a question of ``kind``."""
        return matrix @ self.weights + matrix[:, _KIND_COLUMNS] @ self.kind_weights[kind]

    def to_json(self) -> dict[str, object]:
        return {
            "format": MODEL_FORMAT,
            "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in self.weights],
            "kind_features": list(KIND_FEATURES),
            "kind_weights": {k.value: [round(float(w), 6) for w in self.kind_weights[k]] for k in KINDS},
            "trained": self.trained,
        }

    def save(self, path: Path = MODEL_PATH) -> None:
        """Write the model as JSON (temporary file, then rename)."""
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ranker-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)

    @classmethod
    def untrained(cls) -> Ranker:
        """All weights zero: what training gathers its examples with, as gathering needs no
        scores, and the model on disk may be one the features have outgrown."""
        return cls(np.zeros(len(FEATURES)), {k: np.zeros(len(KIND_FEATURES)) for k in KINDS}, {})

    @classmethod
    def from_json(cls, data: dict, where: str = "the ranker") -> Ranker:
        if data.get("format") != MODEL_FORMAT:
            raise RankerError(f"{where} has format {data.get('format')!r}, this code reads {MODEL_FORMAT}")
        if data.get("features") != list(FEATURES) or data.get("kind_features") != list(KIND_FEATURES):
            raise RankerError(f"{where} was fitted for other answer features: retrain it with `python -m retrieval train`")
        weights = np.array(data["weights"], dtype=np.float64)
        kinds = {k: np.array(data["kind_weights"][k.value], dtype=np.float64) for k in KINDS}
        if weights.shape != (len(FEATURES),) or any(w.shape != (len(KIND_FEATURES),) for w in kinds.values()):
            raise RankerError(f"{where} has weights of the wrong shape")
        return cls(weights, kinds, dict(data.get("trained") or {}))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Ranker:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RankerError(f"cannot read the ranker {path}: {exc}") from exc
        return cls.from_json(data, str(path))


_KIND_COLUMNS = [FEATURES.index(name) for name in KIND_FEATURES]


@lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    """The ranker shipped with the code (``retrieval/answer/ranker.json``), loaded once."""
    return Ranker.load(MODEL_PATH)
