"""Synthetic answers to questionnaire v2 (the seed concepts), for the tests of versions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.survey.demo import demo_answers

MOTIVES = ["normative", "career", "social", "learning", "quality_of_life", "protective", "recognition"]


def v2_answers(wave: int, n: int, seed: int) -> pd.DataFrame:
    """Synthetic canonical answers to v2: the demo's v1 answers plus the new questions."""
    answers = demo_answers((wave,), n=n, seed=seed)[wave].copy()
    rng = np.random.default_rng(seed)
    k = len(answers)
    answers["volunteering_vision"] = rng.choice(["extra_hands", "citizenship", "both"], k)
    answers["volunteer_motivations"] = [
        " ".join(m for m in MOTIVES if rng.random() < 0.35) or None for _ in range(k)
    ]
    contact = rng.choice(["yes", "no"], k, p=[0.8, 0.2])
    answers["relation_direct_contact"] = contact
    for code, options in (
        ("relation_distance", ["often", "sometimes", "never"]),
        ("relation_guidelines", ["yes", "no"]),
        ("relation_training", ["yes", "no"]),
    ):
        answers[code] = [rng.choice(options) if c == "yes" else None for c in contact]
    hosted = rng.choice(["yes", "no", "dont_know"], k, p=[0.3, 0.6, 0.1])
    answers["cpas_volunteers_hosted"] = hosted
    answers["cpas_volunteers_free_to_refuse"] = [
        rng.choice(["yes", "no", "dont_know"]) if h == "yes" else None for h in hosted
    ]
    return answers
