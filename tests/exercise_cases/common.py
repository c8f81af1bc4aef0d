"""Shared helpers of the exercises' wrong answers (one module per lesson beside this one)."""

import numpy as np

from vae_lessons import data


def _train():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    return x_train, y_train, x_test, y_test


def _kl_terms(mu, log_var):
    return np.exp(log_var) + mu**2 - 1 - log_var


def _no_return(*arguments):
    arguments[0] + 1


def _in_place(z_mean, *rest):
    z_mean -= z_mean.mean(axis=0)
    return z_mean


def _clip(p):
    return np.clip(p, 1e-7, 1 - 1e-7)



def _repeats_first_answer(function):
    """A function that answers its first call as ``function`` does, then repeats that answer."""
    first = []

    def constant(*arguments):
        if not first:
            first.append(function(*arguments))
        return first[0]

    return constant
