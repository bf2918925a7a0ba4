"""Scoring outside a run: `score(A, B)` and `python -m jaxgan.score A B` (see scoring.py)."""

from jaxgan.score.scoring import METRICS, score

__all__ = ["METRICS", "score"]
