"""vae-lessons: teach variational autoencoders on MNIST with Keras 3.

The modules mirror the lessons::

    data      lesson 1  loading MNIST, splits, scaling
    sampling  lesson 2  the reparameterization trick (Sampling layer)
    losses    lesson 3  reconstruction, KL, ELBO
    models    lesson 4  encoder, decoder, VAE; save and load
    cache     lesson 4  the model cache: train once, load safely, never lose a training
    training  lesson 4  seeded training, NaN guard, cached trained models
    plots     lessons 1-6  figures
    widgets   lesson 6  the latent explorer (sliders over z)
    evaluation  lesson 7  held-out ELBO, importance-weighted likelihood, studies
    original    lesson 7  the 2018 notebook's model, re-created with its bugs

Keras reads its backend when it is first imported. This package picks JAX unless
``KERAS_BACKEND`` is already set (to ``"tensorflow"`` or ``"torch"``), so set it before
importing ``vae_lessons`` or ``keras``.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
if os.environ["KERAS_BACKEND"] != "tensorflow":
    # Even on JAX and PyTorch, Keras imports TensorFlow when it is installed (to seed
    # tf.data and recognise TF types). Its C++ start-up lines about oneDNN, which only
    # TensorFlow's own computations use, would land in notebooks' stderr: keep them out.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from vae_lessons import (  # noqa: E402
    cache,
    data,
    evaluation,
    losses,
    models,
    original,
    plots,
    sampling,
    training,
    widgets,
)

__version__ = "0.1.0"
__all__ = ["data", "evaluation", "losses", "models", "original", "plots", "sampling", "training", "widgets"]
