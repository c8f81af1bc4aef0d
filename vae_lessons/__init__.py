"""vae-lessons: teach variational autoencoders on MNIST with Keras 3.

The modules mirror the lessons (dependencies run down the list; see ARCHITECTURE.md)::

    validation    Keras-style argument checks, used everywhere
    data          lesson 1  loading MNIST, splits, scaling
    losses        lesson 3  reconstruction, KL, ELBO: every formula once
    sampling      lesson 2  the reparameterization trick (Sampling layer), gradient estimators
    models        lesson 4  encoder, decoder, VAE (encode/decode, hooks)
    saving        lesson 4  save a VAE, load it safely
    architectures lessons 9-10  convolutional encoder and decoder; binarization, KL warm-up
    conditional   lesson 10  the conditional VAE, which sees each digit's label
    cache         lesson 4  the model cache: train once, load safely, never lose a training
    distributed   lesson 4  keras.distribution's settings; each process's slice of the batches
    training      lesson 4  seeded training (one loop, on one device or distributed), NaN
                            guard, cached trained models (command line: ``python -m vae_lessons.train``)
    original      lesson 8  the 2018 notebook's model, re-created with its bugs
    registry      lessons 7-10  the named trained models the lessons and benchmarks use
    evaluation    lessons 7-8  held-out ELBO, importance-weighted likelihood, activity
    alt_text      figures' alternative text, for notebooks and the book
    plots         lessons 1-10  figures
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

Compiled functions are cached too
---------------------------------
On JAX, every model's training step and every scoring function is compiled by XLA
before it runs, which takes seconds on a CPU: more than a lesson's loading of its cached
models. This package points JAX's persistent compilation cache at a folder next to the
trained models, ``jax-compilation`` inside the model cache (``$VAE_LESSONS_CACHE``,
else ``~/.cache/vae-lessons``), so a re-run lesson loads its compiled functions from
disk. It is set up in :func:`_use_jax_compilation_cache`, only as a default: your own
``JAX_COMPILATION_CACHE_DIR`` (or ``jax.config.update("jax_compilation_cache_dir", ...)``
before importing ``vae_lessons``) wins, and ``JAX_ENABLE_COMPILATION_CACHE=false``
turns it off. Kernels sharing the folder take a file lock for each read and write
(JAX does so when the cache has a size limit, here 1 GB, least recently used entries
evicted first), as the model cache does for its entries. A compiled function depends
only on the computation, not on the weights, so all models of one architecture share
their entries.

Submodules load lazily: ``import vae_lessons`` imports none of them (nor Keras), and
``vae_lessons.plots`` or ``from vae_lessons import plots`` imports the one asked for
(with what it needs), so ``import vae_lessons.losses`` does not load matplotlib's
figures, ipywidgets or anywidget.
"""

import importlib
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
if os.environ["KERAS_BACKEND"] != "tensorflow":
    # On JAX and PyTorch, Keras still imports TensorFlow, when it is installed,
    # while saving a model (its serializer checks every object against TensorFlow's
    # types). TensorFlow's C++ start-up lines about oneDNN and CPU features, which only
    # its own computations concern, would land in the notebooks' stderr: keep them out.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

JAX_COMPILATION_CACHE = {
    # JAX's option: the value this package gives it unless the user set it
    "jax_compilation_cache_dir": None,  # filled in: <model cache>/jax-compilation
    # JAX's default, 1.0, skips nearly all of ours: the lessons' many small programs
    # (one per operation and shape in eager code) add up to seconds per lesson
    "jax_persistent_cache_min_compile_time_secs": 0.0,
    "jax_compilation_cache_max_size": 2
    ** 30,  # bytes; a size limit also makes JAX lock the files
}
"""The persistent compilation cache's settings on JAX (see the module's docstring)."""


def _model_cache_folder() -> str:
    """The model cache's folder: ``$VAE_LESSONS_CACHE``, else ``$XDG_CACHE_HOME/vae-lessons``,
    else ``~/.cache/vae-lessons``.

    The one rule, here because it imports nothing (importing the package must not import
    Keras); :func:`vae_lessons.cache.cache_dir` returns it as a ``Path``.
    """
    if os.environ.get("VAE_LESSONS_CACHE"):
        return os.path.expanduser(os.environ["VAE_LESSONS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "vae-lessons")


def _could_write(folder: str) -> bool:
    """Whether ``folder`` is, or could be made, a folder this process can write to."""
    path = os.path.abspath(folder)
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _use_jax_compilation_cache() -> None:
    """Default JAX's persistent compilation cache to ``jax-compilation`` in the model cache.

    Only settings the user has not made: nothing changes if the user chose a folder
    (``JAX_COMPILATION_CACHE_DIR``, or ``jax_compilation_cache_dir`` in ``jax.config``),
    and no option whose environment variable is set. The defaults go into the
    environment variables JAX reads when imported, so importing this package imports
    nothing (not JAX), and, if JAX is already imported, into ``jax.config``, which JAX
    reads at its next compilation. ``VAE_LESSONS_JAX_COMPILATION_CACHE`` records the
    folder chosen here, so a child process (a notebook kernel started by pytest, with
    another ``VAE_LESSONS_CACHE``) recognises the inherited folder as this package's
    default, not the user's, and chooses again. Nothing is written to disk here (JAX
    creates the folder when it first compiles). If the folder could not be created or
    written to (a read-only cache shared by a class, a file in its place), compilations
    are simply not cached.
    """
    if os.environ["KERAS_BACKEND"] != "jax":
        return
    ours = os.environ.get("VAE_LESSONS_JAX_COMPILATION_CACHE")
    if os.environ.get("JAX_COMPILATION_CACHE_DIR", ours) != ours:
        return
    jax = sys.modules.get("jax")
    if jax is not None and jax.config.jax_compilation_cache_dir not in (
        None,
        ours,
    ):
        return
    folder = os.path.join(_model_cache_folder(), "jax-compilation")
    # Nothing is created here: JAX makes the folder at its first compilation. A folder
    # JAX could not create or write to would warn at every lesson's first compilation.
    usable = _could_write(folder)
    if not usable:
        if (
            ours is not None
        ):  # an inherited default of ours: not for this cache
            for name in (
                "JAX_COMPILATION_CACHE_DIR",
                "VAE_LESSONS_JAX_COMPILATION_CACHE",
            ):
                os.environ.pop(name, None)
            if jax is not None:
                jax.config.update("jax_compilation_cache_dir", None)
                _reset_jax_compilation_cache()
        return
    os.environ["VAE_LESSONS_JAX_COMPILATION_CACHE"] = folder
    settings = {
        **JAX_COMPILATION_CACHE,
        "jax_compilation_cache_dir": folder,
    }
    for name, value in settings.items():
        if (
            name != "jax_compilation_cache_dir"
            and name.upper() in os.environ
        ):
            continue  # the user's, or ours inherited
        os.environ[name.upper()] = str(value)
        if jax is not None:
            jax.config.update(name, value)
    if jax is not None:
        _reset_jax_compilation_cache()


def _reset_jax_compilation_cache() -> None:
    """Make an imported JAX read its compilation cache's settings again.

    JAX opens its persistent cache at its first compilation and then keeps that
    folder, whatever ``jax.config`` says later; resetting it makes the next
    compilation open the folder now configured (e.g. after ``--cache DIR``).
    """
    from jax.experimental.compilation_cache import compilation_cache

    compilation_cache.reset_cache()


_use_jax_compilation_cache()

__version__ = "0.1.0"
__all__ = [
    "alt_text",
    "architectures",
    "cache",
    "conditional",
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
    "saving",
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
