"""Lesson 1 exercises: the data (pixels, a clean validation split, class averages, repeats)."""

from __future__ import annotations

import numpy as np

from vae_lessons import data
from vae_lessons.exercises.checking import (
    Mistake,
    a_kind,
    as_array,
    as_class_pair,
    exercise,
)

ZERO_FRACTION_TOLERANCE = 0.0005  # absolute, on a fraction near 0.8
VALIDATION_SIZE = 400


@exercise(
    name="lesson_01.ex1",
    why="Four pixels in five are pure background, so a model that outputs all zeros is "
    "already 'mostly right': losses must be read against that baseline.",
    hints=(
        "`x_train == 0` is an array of True/False, one per pixel.",
        "The mean of a True/False array is the fraction of True values.",
        "answer = float(np.mean(x_train == 0)), on the uint8 training images.",
    ),
    solution="""
        (x_train, y_train), (x_test, y_test) = data.load_mnist()
        answer = float(np.mean(x_train == 0))  # True counts as 1, False as 0
        print("fraction of zero pixels:", round(answer, 3))
    """,
    mistakes=(
        "percent",
        "count",
        "test_set",
        "ink_fraction",
        "wrong_shape",
    ),
    kind="one-liner",
)
def ex1(answer):
    """A fraction in [0, 1]: the share of all training pixels that are exactly 0."""
    (x_train, _), (x_test, _) = data.load_mnist()
    expected = float(np.mean(x_train == 0))
    value = float(as_array(answer, ()))
    if abs(value - expected) <= ZERO_FRACTION_TOLERANCE:
        return
    if abs(value - 100 * expected) <= 100 * ZERO_FRACTION_TOLERANCE:
        raise Mistake(
            "percent",
            "That is a percentage; give the fraction (between 0 and 1): divide by 100.",
        )
    if abs(value - np.sum(x_train == 0)) < 1:
        raise Mistake(
            "count",
            "That is the number of zero pixels; divide by the number of pixels, or use np.mean.",
        )
    if abs(value - np.mean(x_test == 0)) <= ZERO_FRACTION_TOLERANCE:
        raise Mistake(
            "test_set",
            "That is the fraction in the test images; use the training images `x_train`.",
        )
    if abs(value - (1 - expected)) <= ZERO_FRACTION_TOLERANCE:
        raise Mistake(
            "ink_fraction",
            "That is the fraction of pixels that are NOT zero (the ink); count `== 0`.",
        )
    raise Mistake(
        "wrong_value",
        f"{value:.4f} is not the fraction of zero pixels (expected within {ZERO_FRACTION_TOLERANCE}). "
        "Compare the raw uint8 images with 0, over all images and pixels.",
    )


def _row_keys(images):
    """One bytes key per digit, whether given as uint8 (n, 28, 28) or scaled (n, 784)."""
    images = np.asarray(images)
    flat = images.reshape(len(images), -1)
    if flat.shape[1] != data.NUM_PIXELS:
        raise Mistake(
            "wrong_shape",
            f"Each digit should have 784 pixels; got {flat.shape[1]}.",
        )
    if flat.dtype != np.uint8:
        flat = np.rint(
            flat.astype(np.float64) * (255 if flat.max() <= 1 else 1)
        ).astype(np.uint8)
    return [row.tobytes() for row in flat]


def _four_arrays(answer):
    """The answer of ex2 as four arrays: images (n, 28, 28) or (n, 784), labels (n,).

    Raises
    ------
    Mistake
        ``wrong_type``, saying what was expected and what was received.
    """
    expected = "Expected four arrays (x_train_part, y_train_part, x_validation, y_validation)"
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        received = a_kind(answer)
        if isinstance(answer, (tuple, list)):
            received += f" of {len(answer)} item{'s' * (len(answer) != 1)}"
        raise Mistake(
            "wrong_type",
            f"{expected} in a tuple; got {received}."
            + (
                " (`data.train_validation_split` returns two pairs: unpack them first.)"
                if isinstance(answer, (tuple, list)) and len(answer) == 2
                else ""
            ),
        )
    kinds = ", ".join(type(item).__name__ for item in answer)
    arrays = []
    for item, name, dimensions in zip(
        answer,
        ("x_train_part", "y_train_part", "x_validation", "y_validation"),
        ((2, 3), (1,), (2, 3), (1,)),
    ):
        array = (
            np.asarray(item)
            if isinstance(item, (np.ndarray, list))
            else None
        )
        if (
            array is None
            or array.ndim not in dimensions
            or not np.issubdtype(array.dtype, np.number)
        ):
            what = (
                "images, (n, 28, 28)"
                if dimensions != (1,)
                else "labels, (n,)"
            )
            raise Mistake(
                "wrong_type",
                f"{expected}; got {a_kind(answer)} of {kinds}. {name} should be an array of {what}.",
            )
        arrays.append(array)
    return arrays


@exercise(
    name="lesson_01.ex2",
    why="A validation set that was trained on (the 2018 notebook's bug) makes every "
    "validation curve look better than the model is.",
    hints=(
        (
            "The validation digits must come out of `x_train` and be removed from it; the test "
            "digits stay untouched."
        ),
        (
            "Pick 400 distinct indices, 40 of each class, without replacement; the training part "
            "is every other index."
        ),
        (
            "`data.train_validation_split(x_train, y_train, validation_size=400, seed=0)` does "
            "exactly this; or write it with `data.stratified_indices` and a boolean mask."
        ),
    ),
    solution="""
        def split(x, y, validation_size, seed):
            # validation_size distinct indices, as many of each class
            indices = data.stratified_indices(y, size=validation_size, seed=seed)
            is_validation = np.zeros(len(y), dtype=bool)
            is_validation[indices] = True
            train = ~is_validation
            # (3600, 28, 28), (3600,), (400, 28, 28) and (400,)
            return x[train], y[train], x[is_validation], y[is_validation]


        (x_train, y_train), (x_test, y_test) = data.load_mnist()
        answer = split(x_train, y_train, validation_size=400, seed=0)
        # The package's version:
        # data.train_validation_split(x_train, y_train, 400, seed=0)
    """,
    mistakes=(
        "wrong_type",
        "wrong_size",
        "validation_from_test",
        "validation_in_training",
        "with_replacement",
        "labels_mismatch",
        "not_stratified",
    ),
)
def ex2(answer):
    """``(x_train_part, y_train_part, x_validation, y_validation)``, 400 validation digits."""
    x_part, y_part, x_validation, y_validation = _four_arrays(answer)
    (x_train, y_train), (x_test, _) = data.load_mnist()
    label_of = dict(zip(_row_keys(x_train), y_train.tolist()))
    part_keys, validation_keys = _row_keys(x_part), _row_keys(x_validation)
    test_keys = set(_row_keys(x_test))
    if any(key in test_keys for key in validation_keys):
        raise Mistake(
            "validation_from_test",
            "Some validation digits are test digits. Draw validation digits from the training "
            "digits only: the test digits stay unseen until the very end.",
        )
    if len(set(validation_keys)) != len(validation_keys):
        raise Mistake(
            "with_replacement",
            "Some validation digits appear twice: you sampled with replacement "
            "(np.random.randint). Use a permutation or data.stratified_indices.",
        )
    if set(validation_keys) & set(part_keys):
        raise Mistake(
            "validation_in_training",
            "Some validation digits are still in the training part: a validation split drawn "
            "from the training data must also be removed from it (the original notebook's bug).",
        )
    sizes_match = len(y_part) == len(part_keys) and len(
        y_validation
    ) == len(validation_keys)
    if (
        len(validation_keys) != VALIDATION_SIZE
        or len(part_keys) + VALIDATION_SIZE != len(x_train)
        or not sizes_match
    ):
        raise Mistake(
            "wrong_size",
            f"Expected 400 validation and {len(x_train) - VALIDATION_SIZE} training digits (with as "
            f"many labels); got {len(validation_keys)} and {len(part_keys)}.",
        )
    for keys, labels in (
        (part_keys, y_part),
        (validation_keys, y_validation),
    ):
        if [label_of.get(key) for key in keys] != np.asarray(
            labels
        ).tolist():
            raise Mistake(
                "labels_mismatch",
                "Some labels do not belong to their images: index images and labels with the same indices.",
            )
    counts = np.bincount(
        np.asarray(y_validation), minlength=data.NUM_CLASSES
    )
    if np.any(counts != VALIDATION_SIZE // data.NUM_CLASSES):
        raise Mistake(
            "not_stratified",
            f"The split is clean, but the classes are not balanced (counts {counts.tolist()}); "
            "take 40 of each class, e.g. with data.stratified_indices.",
        )


@exercise(
    name="lesson_01.ex3",
    why="These two classes have the most similar average images. Similar averages do not "
    "decide what a 2-D latent space confuses: Lesson 5 counts which classes it mixes up.",
    hints=(
        "Average the scaled training images of each class: ten images of 784 pixels.",
        (
            "Compute the Euclidean distance between every pair of average images; a class is "
            "at distance 0 from itself, so leave the diagonal out."
        ),
        (
            "np.linalg.norm(means[:, None] - means[None, :], axis=-1) gives the (10, 10) distances; "
            "set the diagonal to np.inf, then np.unravel_index(np.argmin(...), (10, 10))."
        ),
    ),
    solution="""
        (x_train, y_train), (x_test, y_test) = data.load_mnist()
        x = data.flatten_and_scale(x_train)  # (4000, 784)
        # (10, 784): the average image of each class
        means = np.stack([x[y_train == digit].mean(axis=0) for digit in range(10)])
        # (10, 10): the distance between every two class averages
        distances = np.linalg.norm(means[:, None] - means[None, :], axis=-1)
        np.fill_diagonal(distances, np.inf)  # a class is not its own neighbour
        first, second = np.unravel_index(np.argmin(distances), distances.shape)
        answer = (int(first), int(second))
        print("closest average images:", answer)
    """,
    mistakes=("wrong_type", "same_class", "farthest_pair", "wrong_value"),
    kind="experiment",
)
def ex3(answer):
    """The pair of classes ``(a, b)`` whose average training images are closest."""
    pair = as_class_pair(answer)
    (x_train, y_train), _ = data.load_mnist()
    x = data.flatten_and_scale(x_train)
    means = np.stack(
        [
            x[y_train == digit].mean(axis=0)
            for digit in range(data.NUM_CLASSES)
        ]
    )
    distances = np.linalg.norm(means[:, None] - means[None, :], axis=-1)
    np.fill_diagonal(distances, np.inf)
    closest = sorted(
        np.unravel_index(np.argmin(distances), distances.shape)
    )
    np.fill_diagonal(distances, -np.inf)
    farthest = sorted(
        np.unravel_index(np.argmax(distances), distances.shape)
    )
    if pair == closest:
        return
    if pair[0] == pair[1]:
        raise Mistake(
            "same_class",
            "Both are the same class: every class is at distance 0 from itself. Leave the "
            "diagonal of the distance table out (np.fill_diagonal(distances, np.inf)).",
        )
    if pair == farthest:
        raise Mistake(
            "farthest_pair",
            "That is the pair that is farthest apart: use argmin, not argmax.",
        )
    raise Mistake(
        "wrong_value",
        f"Classes {pair[0]} and {pair[1]} are not the closest pair. Compare the Euclidean "
        "distances between the ten class averages of the training images.",
    )


POOL_SIZE = 60_000  # the full MNIST training set
NUM_DRAWS = 1_000  # the original notebook's training indices
SAMPLE_POOL_SIZE = 4_000  # the shipped sample's training digits
DISTINCT_TOLERANCE = (
    1.0  # digits; an average over 100 seeds misses by about 0.3
)


def _expected_distinct(pool_size, num_draws):
    """Expected number of distinct indices among ``num_draws`` drawn with replacement.

    Each of the ``pool_size`` indices is missed by every draw with probability
    ``(1 - 1/pool_size) ** num_draws``.
    """
    return pool_size * (1 - (1 - 1 / pool_size) ** num_draws)


@exercise(
    name="lesson_01.ex4",
    why="About 8 of the original's 1,000 'examples' were repeats on full MNIST: harmless "
    "there, and far more on our 4,000-digit pool, as the lesson measured. Each index is "
    "missed by all n draws with probability (1 - 1/N)^n, so N (1 - (1 - 1/N)^n) are "
    "expected distinct.",
    hints=(
        (
            "For one seed: draw the indices with rng.integers(60_000, size=1_000) and count the "
            "distinct ones with np.unique."
        ),
        (
            "One seed's count varies by a few digits: repeat it for seeds 0 to 199 and average "
            "the counts."
        ),
        (
            "np.mean([len(np.unique(np.random.default_rng(seed).integers(60_000, size=1_000))) "
            "for seed in range(200)])"
        ),
    ),
    solution="""
        counts = []  # distinct indices in each of 200 draws of 1,000
        for seed in range(200):
            indices = np.random.default_rng(seed).integers(60_000, size=1_000)
            counts.append(len(np.unique(indices)))
        answer = float(np.mean(counts))
        print("distinct digits, on average:", round(answer, 1))
    """,
    mistakes=(
        "no_repeats",
        "repeats_instead_of_distinct",
        "small_pool",
        "wrong_shape",
    ),
    kind="experiment",
)
def ex4(answer):
    """A number: the average count of distinct indices among 1,000 drawn with replacement from 60,000."""
    value = float(as_array(answer, (), "the average count"))
    expected = _expected_distinct(POOL_SIZE, NUM_DRAWS)
    if abs(value - expected) <= DISTINCT_TOLERANCE:
        return
    if abs(value - NUM_DRAWS) < DISTINCT_TOLERANCE:
        raise Mistake(
            "no_repeats",
            "1,000 draws with replacement do not give 1,000 distinct digits: some indices come "
            "up twice. Count the distinct ones with np.unique.",
        )
    if abs(value - (NUM_DRAWS - expected)) <= DISTINCT_TOLERANCE:
        raise Mistake(
            "repeats_instead_of_distinct",
            "That is the number of repeats; the question asks for the number of distinct digits.",
        )
    if (
        abs(value - _expected_distinct(SAMPLE_POOL_SIZE, NUM_DRAWS))
        <= 5 * DISTINCT_TOLERANCE
    ):
        raise Mistake(
            "small_pool",
            "That is the count for our 4,000-digit sample; draw the indices from the 60,000 "
            "digits of full MNIST (no images needed, only indices).",
        )
    raise Mistake(
        "wrong_value",
        f"{value:.1f} is off by more than {DISTINCT_TOLERANCE:g} digit. One seed's count "
        "varies by a few digits: average the counts of 100 seeds or more.",
    )
