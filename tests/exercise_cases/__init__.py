"""Wrong answers to each lesson's exercises, one module per lesson: ``WRONG_ANSWERS`` rows of
(exercise, the mistake its check must name, a function building the wrong answer).

One module per lesson so that each lesson's exercises change with their cases alone.
"""
