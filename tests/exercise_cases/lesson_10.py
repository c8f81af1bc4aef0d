"""Wrong answers to Lesson 10's exercises: (exercise, mistake named, answer)."""

import keras
import numpy as np

from vae_lessons.exercises import lesson_10


def _warm_up(weight, replace=False, base=keras.callbacks.Callback):
    """A warm-up callback class assigning ``weight(epoch, warmup_epochs)``, or one with a mistake."""

    class WarmUp(base):
        def __init__(self, warmup_epochs):
            super().__init__()
            self.warmup_epochs = warmup_epochs

        def on_epoch_begin(self, epoch, logs=None):
            layer = self.model.encoder.get_layer("z")
            if replace:
                layer.kl_weight = weight(epoch, self.warmup_epochs)
            else:
                layer.kl_weight.assign(weight(epoch, self.warmup_epochs))

    return WarmUp


class _Plain:
    def __init__(self, warmup_epochs):
        self.warmup_epochs = warmup_epochs


class _Forgets(keras.callbacks.Callback):
    def __init__(self, warmup_epochs):
        super().__init__()
        self.warmup_epochs = warmup_epochs

    def on_epoch_begin(self, epoch, logs=None):
        self.weight = min(1.0, epoch / self.warmup_epochs)  # computed, never assigned


WRONG_ANSWERS = [
    (lesson_10.ex1, "off_by_one", lambda: lambda e, w, t: t * min(1.0, (e + 1) / w)),
    (lesson_10.ex1, "no_cap", lambda: lambda e, w, t: t * e / w),
    (lesson_10.ex1, "integer_division", lambda: lambda e, w, t: t * min(1, e // w)),
    (lesson_10.ex1, "ignores_target", lambda: lambda e, w, t: min(1.0, e / w)),
    (lesson_10.ex1, "ignores_input", lambda: lambda e, w, t: 0.5),
    (lesson_10.ex1, "wrong_value", lambda: lambda e, w, t: t * min(1.0, e / (w + 1))),
    (lesson_10.ex1, "not_a_function", lambda: 0.5),
    (lesson_10.ex2, "not_binary", lambda: lambda x, seed: x),
    (lesson_10.ex2, "not_reproducible", lambda: lambda x, seed: (np.random.random(x.shape) < x).astype(float)),
    (lesson_10.ex2, "threshold", lambda: lambda x, seed: (x > 0.5).astype(float)),
    (lesson_10.ex2, "inverted", lambda: lambda x, seed: (np.random.default_rng(seed).random(x.shape) < 1 - x) * 1.0),
    (lesson_10.ex2, "ignores_input", lambda: lambda x, seed: (np.random.default_rng(seed).random((5, 784)) < 0.5) * 1.0),
    (lesson_10.ex2, "ignores_seed", lambda: lambda x, seed: (np.random.default_rng(0).random(x.shape) < x) * 1.0),
    (lesson_10.ex2, "wrong_shape", lambda: lambda x, seed: (np.random.default_rng(seed).random(x.shape) < x)[0] * 1.0),
    (lesson_10.ex2, "wrong_value", lambda: lambda x, seed: (np.random.default_rng(seed).random(x.shape) < x**2) * 1.0),
    (lesson_10.ex2, "not_a_function", lambda: np.zeros((5, 784))),
    (lesson_10.ex3, "not_a_callback", lambda: _Plain),
    (lesson_10.ex3, "replaced_variable", lambda: _warm_up(lambda e, w: min(1.0, e / w), replace=True)),
    (lesson_10.ex3, "not_assigned", lambda: _Forgets),
    (lesson_10.ex3, "off_by_one", lambda: _warm_up(lambda e, w: min(1.0, (e + 1) / w))),
    (lesson_10.ex3, "no_cap", lambda: _warm_up(lambda e, w: e / w)),
    (lesson_10.ex3, "ignores_input", lambda: _warm_up(lambda e, w: min(1.0, e / 4))),
    (lesson_10.ex3, "wrong_value", lambda: _warm_up(lambda e, w: 0.5 * min(1.0, e / w))),
    (lesson_10.ex3, "not_a_function", lambda: _warm_up(lambda e, w: min(1.0, e / w))(3)),
]
