"""Evaluation against a known truth."""

import numpy as np
import pandas as pd

from darkfigure.link import evaluate_linkage
from darkfigure.link._evaluate import pair_counts


def test_pair_counts():
    assert pair_counts(np.array([0, 0, 0, 1]), np.array(["a", "a", "b", "b"])) == (1, 3, 2)


def test_perfect_and_split_linkage():
    truth = pd.DataFrame(
        {
            "list_name": ["A", "B", "A", "B"],
            "record_id": ["1", "1", "2", "2"],
            "person_id": ["p", "p", "q", "r"],
        }
    )
    perfect = truth.assign(person_key=truth["person_id"])
    ev = evaluate_linkage(perfect, truth, estimate=False)
    assert (ev.precision, ev.recall, ev.f1, ev.histories_l1) == (1.0, 1.0, 1.0, 0)
    split = truth.assign(person_key=["x", "y", "q", "r"])
    ev = evaluate_linkage(split, truth, estimate=False)
    assert ev.recall == 0.0
    assert (ev.persons, ev.clusters) == (3, 4)
    # true table: AB=1, A=1, B=1; linked: A=2, B=2 -> |0-1| + |2-1| + |2-1| = 3
    assert ev.histories_l1 == 3
