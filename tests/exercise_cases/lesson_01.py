"""Wrong answers to Lesson 01's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons import data
from vae_lessons.exercises import lesson_01
from exercise_cases.common import _train


def _split(validation_indices, shuffle_labels=False):
    x_train, y_train, _, _ = _train()
    is_validation = np.zeros(len(y_train), dtype=bool)
    is_validation[validation_indices] = True
    y_part = y_train[~is_validation][::-1] if shuffle_labels else y_train[~is_validation]
    return x_train[~is_validation], y_part, x_train[validation_indices], y_train[validation_indices]


def _l1_ex3_farthest():
    x_train, y_train, _, _ = _train()
    x = data.flatten_and_scale(x_train)
    means = np.stack([x[y_train == d].mean(axis=0) for d in range(10)])
    distances = np.linalg.norm(means[:, None] - means[None, :], axis=-1)
    return tuple(int(i) for i in np.unravel_index(np.argmax(distances), distances.shape))


WRONG_ANSWERS = [
    (lesson_01.ex1, "percent", lambda: 100 * np.mean(_train()[0] == 0)),
    (lesson_01.ex1, "count", lambda: int(np.sum(_train()[0] == 0))),
    (lesson_01.ex1, "test_set", lambda: np.mean(_train()[2] == 0)),
    (lesson_01.ex1, "ink_fraction", lambda: np.mean(_train()[0] != 0)),
    (lesson_01.ex1, "wrong_shape", lambda: np.mean(_train()[0] == 0, axis=0)),
    (lesson_01.ex2, "wrong_type", lambda: data.train_validation_split(*_train()[:2], 400, seed=0)),
    (lesson_01.ex2, "wrong_type", lambda: (1, 2, 3, 4)),  # said by the check, not "your code raised"
    (lesson_01.ex2, "wrong_type", lambda: (_train()[0], _train()[1], _train()[0][:400], 7)),
    (lesson_01.ex2, "wrong_size", lambda: _split(data.stratified_indices(_train()[1], 300, seed=0))),
    (lesson_01.ex2, "validation_from_test", lambda: (*_train()[:2], _train()[2][:400], _train()[3][:400])),
    (lesson_01.ex2, "with_replacement", lambda: _split(np.random.default_rng(0).integers(0, 4000, 400))),
    (lesson_01.ex2, "validation_in_training", lambda: (*[a[:3600] for a in _train()[:2]], _train()[0][3200:3600], _train()[1][3200:3600])),
    (lesson_01.ex2, "labels_mismatch", lambda: _split(data.stratified_indices(_train()[1], 400, seed=0), shuffle_labels=True)),
    (lesson_01.ex2, "not_stratified", lambda: _split(np.arange(400))),
    (lesson_01.ex3, "wrong_type", lambda: 3),
    (lesson_01.ex3, "same_class", lambda: (4, 4)),
    (lesson_01.ex3, "farthest_pair", _l1_ex3_farthest),
    (lesson_01.ex3, "wrong_value", lambda: (2, 3)),  # neither closest (4, 9) nor farthest (0, 1)
    (lesson_01.ex4, "no_repeats", lambda: 1000),
    (lesson_01.ex4, "repeats_instead_of_distinct", lambda: np.mean([1000 - len(np.unique(np.random.default_rng(s).integers(60_000, size=1000))) for s in range(100)])),
    (lesson_01.ex4, "small_pool", lambda: np.mean([len(np.unique(np.random.default_rng(s).integers(4_000, size=1000))) for s in range(100)])),
    (lesson_01.ex4, "wrong_shape", lambda: [len(np.unique(np.random.default_rng(s).integers(60_000, size=1000))) for s in range(3)]),
    (lesson_01.ex4, "wrong_value", lambda: 985.0),
]
