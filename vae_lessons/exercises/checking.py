"""The machinery of the exercises: an :class:`Exercise`, a named :class:`Mistake`, helpers.

A check function receives the student's answer and either returns (the answer is right)
or raises :class:`Mistake` with the mistake's name and a kind message: what is wrong
and what to try next. :meth:`Exercise.check` turns that into one printed line, plain
text, the same on every run (``pytest --nbval`` compares it). An answer left as ``...``
or ``None`` is "not attempted", never an error.

Hand-written rather than otter-grader or nbgrader: those grade a whole notebook for a
teacher; here a student checks one answer at a time and reads why, with no server.
"""

from __future__ import annotations

import dataclasses
import textwrap

import numpy as np

NOT_ATTEMPTED = "not_attempted"
CORRECT = "correct"
# What an exercise asks of the student (``Exercise.kind``): write code (a function of
# several lines, a Keras model), run an experiment (train or measure, then answer with a
# number), judge (pick an option; each option's explanation is the feedback), or a
# one-liner (one expression). tests/test_exercises.py checks the course's mix.
KINDS = ("code", "experiment", "judgement", "one-liner")


def a_kind(value):
    """``value``'s type with its article, for messages: "a tuple", "an int", "an ndarray"."""
    name = type(value).__name__
    vowel_sound = name[:1].lower() in "aeiou" or name.startswith(
        "nd"
    )  # an ndarray
    return f"{'an' if vowel_sound else 'a'} {name}"


def sentence(text):
    """``text`` to open a sentence: "the loss" becomes "The loss"; a name such as ``z`` stays."""
    first = text.split(" ", 1)[0]
    return (
        text[:1].upper() + text[1:]
        if first in ("the", "your", "a", "an")
        else text
    )


class StudentCodeError(Exception):
    """An error raised inside the student's own function (see :func:`call`)."""

    def __init__(self, error):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


class Mistake(Exception):
    """A recognised mistake: ``name`` for tests, ``message`` for the student.

    Parameters
    ----------
    name : str
        Short identifier, e.g. ``"mean_instead_of_sum"``.
    message : str
        What is wrong and the next step, in one or two sentences.
    """

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What a check found: ``status`` is ``"correct"``, ``"not_attempted"`` or a mistake's name."""

    status: str
    text: str


@dataclasses.dataclass(frozen=True, repr=False)
class Exercise:
    """One exercise: a check, hints in levels and a solution.

    Parameters
    ----------
    name : str
        How a notebook calls it, e.g. ``"lesson_03.ex1"`` (used in messages).
    check_function : callable
        ``check_function(answer)`` returns when the answer is right, raises
        :class:`Mistake` otherwise.
    why : str
        One sentence printed after "Correct.": why this matters.
    hints : tuple of str
        Up to three hints, each saying more than the one before.
    solution_code : str
        Runnable code that sets ``answer``; printed by :meth:`solution`.
    mistakes : tuple of str
        Names of the mistakes the check recognises (the tests trigger each one).
    kind : str
        One of :data:`KINDS`: what the exercise asks the student to do.
    """

    name: str
    check_function: object
    why: str
    hints: tuple
    solution_code: str
    mistakes: tuple = ()
    kind: str = "code"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(
                f"Invalid value received for argument `kind`. Expected one of {KINDS}. "
                f"Received: kind={self.kind!r}"
            )

    def __repr__(
        self,
    ):  # what a notebook shows for a bare `lesson_03.ex1`: no addresses
        return f"Exercise {self.name}: .check(answer), .hint(level), .solution()"

    def verdict(self, answer):
        """Check ``answer`` and return a :class:`Verdict` (``check`` prints its text)."""
        if answer is None or answer is Ellipsis:
            return Verdict(
                NOT_ATTEMPTED,
                f"Not attempted yet: replace the ... in `answer = ...` with your answer and run "
                f"the cell again. Stuck? {self.name}.hint() gives a hint.",
            )
        try:
            self.check_function(answer)
        except Mistake as mistake:
            return Verdict(mistake.name, f"Not yet. {mistake.message}")
        except StudentCodeError as error:  # the student's function failed
            return Verdict(
                "raised",
                f"Not yet. Your function raised {error}. Run your code on a small "
                f"example to find the line; {self.name}.hint() may help.",
            )
        # Any other error comes from reading an answer of an unexpected kind (a
        # string, a scalar where a sequence belongs, ...): the check's own diagnosis,
        # never blamed on the student's code.
        except Exception:  # noqa: BLE001
            return Verdict(
                "wrong_type",
                f"Not yet. {self.name} could not read your answer "
                f"({a_kind(answer)}): it expects {self.expects()}",
            )
        return Verdict(CORRECT, f"Correct. {self.why}")

    def expects(self):
        """What the answer should be: the first line of the check's docstring."""
        doc = (self.check_function.__doc__ or "").strip().replace("``", "`")
        first = (
            doc.splitlines()[0]
            if doc
            else "the answer the exercise asks for."
        )
        return (
            first[0].lower() + first[1:]
            if first[:1].isupper() and not first[:2].isupper()
            else first
        )

    def check(self, answer):
        """Print whether ``answer`` is right, and if not, what to try next."""
        print(self.verdict(answer).text)

    def hint(self, level=1):
        """Print hint ``level`` (1, 2 or 3; each says more)."""
        level = min(max(int(level), 1), len(self.hints))
        more = (
            f" For more: {self.name}.hint({level + 1})."
            if level < len(self.hints)
            else ""
        )
        print(
            f"Hint {level} of {len(self.hints)}: {self.hints[level - 1]}{more}"
        )

    def solution(self):
        """Print the solution code."""
        print(f"Solution to {self.name}:\n\n{self.solution_code}")


def exercise(name, why, hints, solution, mistakes=(), kind="code"):
    """Decorator: make an :class:`Exercise` of a check function.

    Parameters
    ----------
    name, why, hints, mistakes, kind
        As for :class:`Exercise`.
    solution : str
        The solution code (dedented and stripped here).
    """

    def wrap(check_function):
        return Exercise(
            name=name,
            check_function=check_function,
            why=why,
            hints=tuple(hints),
            solution_code=textwrap.dedent(solution).strip(),
            mistakes=tuple(mistakes),
            kind=kind,
        )

    return wrap


# ---------------------------------------------------------------------------------
# Helpers the lesson modules share.


def read_only(*arrays):
    """Copies of ``arrays`` that cannot be changed in place (so checks never mutate input).

    Anything that is not an array (a seed, a count) is passed through unchanged.
    """
    copies = []
    for array in arrays:
        if isinstance(array, np.ndarray):
            array = array.copy()
            array.setflags(write=False)
        copies.append(array)
    return tuple(copies)


def call(function, *arguments):
    """Call the student's ``function`` on read-only copies of ``arguments``.

    Raises
    ------
    Mistake
        ``not_a_function`` when ``function`` cannot be called, ``changed_input`` when
        it tried to change an input array in place, ``returned_none`` when it returned
        nothing.
    """
    if not callable(function):
        raise Mistake(
            "not_a_function",
            f"This exercise wants a function, got {a_kind(function)}. Define the "
            "function with `def`, then write `answer = name_of_your_function` (no parentheses).",
        )
    try:
        result = function(*read_only(*arguments))
    except Mistake:
        raise
    except (
        Exception
    ) as error:  # any error of the student's code is a verdict
        if isinstance(error, ValueError) and "read-only" in str(error):
            raise Mistake(
                "changed_input",
                "Your function tried to change its input array in place (e.g. `x += ...`). "
                "Compute a new array instead (`y = x + ...`).",
            ) from None
        raise StudentCodeError(error) from error
    if result is None:
        raise Mistake(
            "returned_none",
            "Your function returned None: did you forget the `return` line?",
        )
    return result


IGNORES_INPUT = "ignores_input"


def answers_follow_inputs(results, expected):
    """Raise ``ignores_input`` when the student's function gave one answer to different questions.

    A check calls the student's function on several inputs whose right answers differ
    (fixed and seeded-random ones). A function that returns the same value whatever it
    is given (a number copied from the lesson, a variable of the notebook rather than
    its argument) is named here, before any single answer is compared.

    Parameters
    ----------
    results : sequence
        The student's results, one per input, each already read by :func:`as_array`.
    expected : sequence
        The right results for the same inputs (at least two of them differ).
    """
    results = [np.asarray(result) for result in results]
    expected = [np.asarray(value, dtype=np.float64) for value in expected]
    for i in range(len(results)):
        for j in range(i + 1, len(results)):
            same_answer = results[i].shape == results[
                j
            ].shape and np.array_equal(results[i], results[j])
            different_questions = expected[i].shape != expected[
                j
            ].shape or not (np.allclose(expected[i], expected[j]))
            if same_answer and different_questions:
                raise Mistake(
                    IGNORES_INPUT,
                    "Your function gave the same answer for two different inputs that need "
                    "different answers. Compute the result from the function's arguments, not "
                    "from a number or a variable of the notebook.",
                )


def results_on(answer, inputs, expected):
    """Call the student's ``answer`` on each input; name one answer given to all; return the results.

    Parameters
    ----------
    answer : callable
        The student's function (called through :func:`call`, on read-only copies).
    inputs : list of tuple
        The arguments of each call.
    expected : list
        The right result of each call (:func:`answers_follow_inputs` compares them).

    Returns
    -------
    list
        The raw results, not yet read for shape or finiteness (:func:`as_array` does).
    """
    results = [call(answer, *arguments) for arguments in inputs]
    try:
        answers_follow_inputs(results, expected)
    except (
        TypeError,
        ValueError,
    ):  # not numbers: as_array names it when it reads them
        pass
    return results


def choose(answer, options, correct):
    """Check a choice: ``answer`` must be the key of the right option in ``options``.

    Each wrong option's explanation is the feedback (the mistake's message), so a student
    who picks it learns why it is wrong; the right option's explanation is the
    exercise's ``why``. The right key is never printed.

    Parameters
    ----------
    answer : str
        The student's choice, e.g. ``"b"`` (case and spaces ignored).
    options : dict
        Key -> one or two sentences: why this option is wrong (or, for ``correct``, right).
    correct : str
        The right key.

    Raises
    ------
    Mistake
        ``wrong_type`` for anything but one of the keys, ``option_<key>`` for a wrong one.
    """
    keys = ", ".join(f'"{key}"' for key in options)
    if not isinstance(answer, str) or answer.strip().lower() not in options:
        raise Mistake(
            "wrong_type",
            f"Answer with one of {keys} (a string in quotes), got {answer!r}.",
        )
    key = answer.strip().lower()
    if key != correct:
        raise Mistake(f"option_{key}", options[key])


def as_array(
    value, expected_shape, what="your answer", not_finite_advice=None
):
    """``value`` as a float64 NumPy array of ``expected_shape``, or a named :class:`Mistake`.

    Accepts NumPy arrays, lists, numbers and any Keras backend's tensors.
    ``not_finite_advice`` replaces the general advice for NaN or infinity.

    Raises
    ------
    Mistake
        ``wrong_type`` when ``value`` is not numbers, ``wrong_shape``, or ``not_finite``
        (NaN or infinity).
    """
    if _is_complex(value):
        raise Mistake(
            "wrong_type",
            f"{sentence(what)} holds complex numbers; give real numbers (a complex result "
            "often means a square root or log of a negative number).",
        )
    try:
        array = np.asarray(value, dtype=np.float64)
    except Exception:  # noqa: BLE001 (e.g. a PyTorch tensor that requires grad: Keras reads it)
        try:
            import keras

            array = np.asarray(
                keras.ops.convert_to_numpy(value), dtype=np.float64
            )
        except Exception:  # noqa: BLE001 (any failure becomes one clear error)
            raise Mistake(
                "wrong_type",
                f"{sentence(what)} should be numbers (an array), got {a_kind(value)}.",
            ) from None
    if array.shape != tuple(expected_shape):
        raise Mistake(
            "wrong_shape",
            f"{sentence(what)} has shape {array.shape}; expected {tuple(expected_shape)}. "
            + shape_advice(array.shape, tuple(expected_shape)),
        )
    if not np.all(np.isfinite(array)):
        raise Mistake(
            "not_finite",
            f"{sentence(what)} contains NaN or infinity. "
            + (
                not_finite_advice
                or "A log of 0, a square root or log of a negative number, or exp of a large "
                "number are the usual causes; print the intermediate values."
            ),
        )
    return array


def _is_complex(value):
    """True for complex numbers or arrays (NumPy would drop the imaginary part)."""
    try:
        dtype = np.asarray(value).dtype
    except Exception:  # noqa: BLE001 -- not array-like: as_array says so
        return False
    return np.issubdtype(dtype, np.complexfloating)


def as_class_pair(value, what="your answer"):
    """``value`` as a sorted pair of digit classes ``[a, b]``, or a named :class:`Mistake`.

    Each class must be an integer 0..9 (Python or NumPy; a float only if whole,
    e.g. ``3.0``): ``4.9`` is refused, not truncated to 4.

    Raises
    ------
    Mistake
        ``wrong_type`` for anything else.
    """
    advice = f"{sentence(what)} should be a pair of two digit classes 0..9, e.g. (3, 5)"
    if (
        not isinstance(value, (tuple, list, np.ndarray))
        or np.ndim(value) != 1
        or len(value) != 2
    ):
        raise Mistake("wrong_type", advice + ".")
    pair = []
    for item in value:
        if not isinstance(item, (int, float, np.integer, np.floating)) or (
            isinstance(item, (bool, np.bool_))
        ):  # not text, a bool or a complex number
            raise Mistake("wrong_type", advice + f"; got {item!r}.")
        number = float(item)
        if not number.is_integer() or not 0 <= number <= 9:
            raise Mistake(
                "wrong_type",
                advice
                + f"; got {item!r}, which is not a whole class number.",
            )
        pair.append(int(number))
    return sorted(pair)


def shape_advice(shape, expected):
    """A next step for a wrong shape: a missing sum, a transposition, a lost axis."""
    if shape == expected[::-1]:
        return "The axes are swapped: transpose it (`.T`)."
    if (
        len(shape) == len(expected) + 1
        and shape[: len(expected)] == expected
    ):
        return "One axis too many: did you forget to sum (or average) over the last axis?"
    if len(shape) < len(expected):
        return "An axis is missing: did you sum over the batch too? Keep one value per example."
    return "Print the shapes of your intermediate arrays to find where it changes."


def close(value, expected, rtol, atol=0.0):
    """True when every element of ``value`` is within ``atol + rtol * |expected|``."""
    return bool(np.allclose(value, expected, rtol=rtol, atol=atol))
