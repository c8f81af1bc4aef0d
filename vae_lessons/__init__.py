"""vae-lessons: teach variational autoencoders on MNIST with Keras 3.

The modules mirror the lessons (dependencies run down the list; see ARCHITECTURE.md)::

    validation    Keras-style argument checks, used everywhere
    data          lesson 1  loading MNIST, splits, scaling
    losses        lesson 3  reconstruction, KL, ELBO: every formula once
    sampling      lesson 2  the reparameterization trick (Sampling layer), gradient estimators
    models        lesson 4  encoder, decoder, VAE (encode/decode, hooks); save and load
    architectures lesson 9  convolutional encoder and decoder, binarization, KL warm-up
    cache         lesson 4  the model cache: train once, load safely, never lose a training
    training      lesson 4  seeded training, NaN guard, cached trained models
    original      lesson 8  the 2018 notebook's model, re-created with its bugs
    registry      lessons 7-9  the named trained models the lessons and benchmarks use
    distributed   lesson 4  data-parallel training through keras.distribution
                            (command line: ``python -m vae_lessons.train``)
    evaluation    lessons 7-8  held-out ELBO, importance-weighted likelihood, activity
    alt_text      figures' alternative text, for notebooks and the book
    plots         lessons 1-9  figures
    widgets       lesson 6  the latent explorer (sliders over z)
    exercises     every lesson  checked exercises: check(), hint(), solution()

Choosing the Keras backend
--------------------------
Keras reads its backend from the ``KERAS_BACKEND`` environment variable when it is first
imported. This package defaults it to ``"jax"`` (here, and nowhere else) unless it is
already set, so set it to ``"tensorflow"`` or ``"torch"`` before importing
``vae_lessons`` or ``keras``::

    import os
    os.environ["KERAS_BACKEND"] = "torch"  # before any import of keras or vae_lessons
    from vae_lessons import training

Submodules load lazily: ``import vae_lessons`` imports none of them (nor Keras), and
``vae_lessons.plots`` or ``from vae_lessons import plots`` imports the one asked for
(with what it needs), so ``import vae_lessons.losses`` does not load matplotlib's
figures, ipywidgets or anywidget.
"""

import importlib
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
if os.environ["KERAS_BACKEND"] != "tensorflow":
    # On JAX and PyTorch, Keras 3.15 still imports TensorFlow, when it is installed,
    # while saving a model (its serializer checks every object against TensorFlow's
    # types). TensorFlow's C++ start-up lines about oneDNN and CPU features, which only
    # its own computations concern, would land in the notebooks' stderr: keep them out.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
__all__ = [
    "alt_text",
    "architectures",
    "cache",
    "data",
    "distributed",
    "evaluation",
    "exercises",
    "losses",
    "models",
    "original",
    "plots",
    "registry",
    "sampling",
    "training",
    "validation",
    "widgets",
]


def __getattr__(name):
    """Import the submodule ``name`` on first access (PEP 562).

    A dozen lines of the standard library rather than a dependency such as
    ``lazy_loader``: ``from vae_lessons import plots`` already imports a submodule on
    demand; this adds only ``vae_lessons.plots`` after a bare ``import vae_lessons``.
    """
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
