"""Exercises students solve and check themselves, one module per lesson.

In a lesson notebook::

    from vae_lessons.exercises import lesson_03

    answer = ...                    # the student's value or function
    lesson_03.ex1.check(answer)     # "Correct. ..." or what is wrong and what to try next
    lesson_03.ex1.hint()            # hint 1; hint(2), hint(3) say more
    lesson_03.ex1.solution()        # prints the solution code

Every check compares the answer with the package's own tested functions (the oracle) on
several inputs, so an answer that ignores its input fails; names the classic mistakes it
recognises without printing the right answer; and never changes its input. Most checks
take milliseconds. Two kinds take longer: an experiment's check scores the lesson's own
trained models on the student's machine (through the model cache, so the right answer is
that machine's), and lesson 4's model-writing exercise trains the student's model briefly
(seconds) beside the package's. The solutions live here, not in the lessons:
``.solution()`` prints one on request; the book shows them collapsed.
:mod:`vae_lessons.exercises.checking` holds the machinery; it is short, read it.

For teachers who grade (optional; nothing here needs these tools): ``verdict(answer)``
returns the result instead of printing it, ``.status == "correct"`` when right. With
nbgrader, make each check cell a read-only autograder test cell holding
``assert lesson_03.ex1.verdict(answer).status == "correct", lesson_03.ex1.verdict(answer).text``;
nbgrader runs cells in order, so ``answer`` is the one just above. With otter-grader, an
OK-format test for the question runs the same ``assert`` on the notebook's ``answer``.
"""
