"""Named trained models: the default, lessons 7-8's studies, the original notebook's variants.

The one list of the models the lessons, ``scripts/train_study.py`` and
``benchmarks/quality.py`` use. :func:`trained` returns a model by name, from the
training cache (trained once if needed); the study tables map each studied value to
a name::

    >>> vae, history = trained("default")
    >>> {latent_dim: trained(name)[0] for latent_dim, name in LATENT_DIM_STUDY.items()}
    >>> [trained(name)[0] for name in SEED_STUDY["latent_dim=20"]]  # seeds 0, 1, 2

It comes after ``training`` and ``original`` in the package's dependency order and
only calls them.
"""

from __future__ import annotations

import dataclasses

from vae_lessons import original, training, validation

CORRECTED = "corrected"
SHARED_EPSILON = "shared epsilon"
AS_WRITTEN = "as written"
VARIANTS = (CORRECTED, SHARED_EPSILON, AS_WRITTEN)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """What a named model is: a training configuration and a model variant.

    Attributes
    ----------
    config : training.TrainingConfig
    variant : str
        ``"corrected"``: this package's VAE (:func:`vae_lessons.training.trained_vae`).
        ``"shared epsilon"``: the 2018 notebook's model with its shared-noise bug only;
        ``"as written"``: with the swapped cross-entropy too
        (:func:`vae_lessons.original.trained_original_vae`).
    """

    config: training.TrainingConfig
    variant: str = CORRECTED

    def __post_init__(self):
        if not isinstance(self.config, training.TrainingConfig):
            raise TypeError(
                validation.message(
                    "config", "a training.TrainingConfig", self.config
                )
            )
        validation.check_choice("variant", self.variant, VARIANTS)


MODELS = {
    "default": ModelSpec(training.TrainingConfig()),
    "latent_dim=8": ModelSpec(training.TrainingConfig(latent_dim=8)),
    "latent_dim=20": ModelSpec(training.TrainingConfig(latent_dim=20)),
    "latent_dim=20 kl_weight=0.5": ModelSpec(
        training.TrainingConfig(latent_dim=20, kl_weight=0.5)
    ),
    "latent_dim=20 kl_weight=2": ModelSpec(
        training.TrainingConfig(latent_dim=20, kl_weight=2.0)
    ),
    "original settings, corrected": ModelSpec(original.ORIGINAL_CONFIG),
    "original settings, shared epsilon": ModelSpec(
        original.ORIGINAL_CONFIG, SHARED_EPSILON
    ),
    "original as written": ModelSpec(original.ORIGINAL_CONFIG, AS_WRITTEN),
    # posterior collapse (lesson 8): large KL weights, and the "mean instead of sum" loss
    "latent_dim=20 kl_weight=4": ModelSpec(
        training.TrainingConfig(latent_dim=20, kl_weight=4.0)
    ),
    "latent_dim=20 kl_weight=8": ModelSpec(
        training.TrainingConfig(latent_dim=20, kl_weight=8.0)
    ),
    "latent_dim=20 mean loss": ModelSpec(
        training.TrainingConfig(latent_dim=20, kl_weight=784.0)
    ),
    # lesson 9: a convolutional VAE; lesson 10: labels, binary pixels and KL warm-up
    "conv": ModelSpec(training.TrainingConfig(architecture="conv")),
    "conv latent_dim=20": ModelSpec(
        training.TrainingConfig(latent_dim=20, architecture="conv")
    ),
    "conv latent_dim=20 binarized": ModelSpec(
        training.TrainingConfig(
            latent_dim=20, architecture="conv", binarized=True
        )
    ),
    "latent_dim=20 kl_warmup_epochs=10": ModelSpec(
        training.TrainingConfig(latent_dim=20, kl_warmup_epochs=10)
    ),
    "conditional": ModelSpec(training.TrainingConfig(conditional=True)),
}
"""Every named model: name -> :class:`ModelSpec` (the seeded repeats are added below)."""

LATENT_DIM_STUDY = {2: "default", 8: "latent_dim=8", 20: "latent_dim=20"}
"""The latent-size study: ``{latent_dim: name}``; everything else is the default."""

KL_WEIGHT_STUDY = {
    0.5: "latent_dim=20 kl_weight=0.5",
    1.0: "latent_dim=20",
    2.0: "latent_dim=20 kl_weight=2",
}
"""The beta study at latent_dim 20: ``{kl_weight: name}`` (1.0 is the latent-size study's 20)."""

ORIGINAL_STUDY = (
    "original settings, corrected",
    "original settings, shared epsilon",
    "original as written",
)
"""The original notebook's bugs: the corrected model on its settings, then each bug added."""

COLLAPSE_STUDY = {
    1.0: "latent_dim=20",
    4.0: "latent_dim=20 kl_weight=4",
    8.0: "latent_dim=20 kl_weight=8",
    784.0: "latent_dim=20 mean loss",
}
"""Posterior collapse at latent_dim 20: ``{kl_weight: name}``.

``kl_weight=784`` is the "mean instead of sum" loss: averaging the cross-entropy over
the 784 pixels instead of summing it divides the reconstruction term by 784, that is
``(reconstruction + 784 KL) / 784``; Adam's steps do not depend on the loss's scale
(up to its tiny epsilon), so it trains like ``kl_weight=784``.
"""

SEEDS = (0, 1, 2)
"""The training seeds of the comparisons that differ by a few nats (seed 0 is the unnamed default)."""

SEEDED = (
    *KL_WEIGHT_STUDY.values(),
    "original settings, corrected",
    "original settings, shared epsilon",
    "conv latent_dim=20",
    "latent_dim=20 kl_warmup_epochs=10",
)
"""The models trained with every seed of :data:`SEEDS`: the beta ranking, the shared
epsilon's cost, conv against MLP at latent_dim 20 (lesson 9) and the KL warm-up (lesson
10); their partners at seed 0 (``"latent_dim=20"``) are seeded through the beta study."""


def seeded_name(name, seed):
    """The name of model ``name`` trained with ``seed``: ``name`` itself for seed 0, else ``"name seed=1"``."""
    if not isinstance(name, str):
        raise TypeError(validation.message("name", "a model's name", name))
    seed = validation.check_seed("seed", seed)
    return name if seed == 0 else f"{name} seed={seed}"


for _name in SEEDED:
    for _seed in SEEDS[1:]:
        _spec = MODELS[_name]
        MODELS[seeded_name(_name, _seed)] = ModelSpec(
            dataclasses.replace(_spec.config, seed=_seed), _spec.variant
        )
del _name, _seed, _spec

SEED_STUDY = {
    name: tuple(seeded_name(name, seed) for seed in SEEDS)
    for name in SEEDED
}
"""``{name: (its name for seed 0, seed 1, seed 2)}`` for every model of :data:`SEEDED`."""


ARCHITECTURE_STUDY = {
    ("mlp", 2): "default",
    ("conv", 2): "conv",
    ("mlp", 20): "latent_dim=20",
    ("conv", 20): "conv latent_dim=20",
}
"""Lesson 9's MLP against conv: ``{(architecture, latent_dim): name}``, same budget.

At latent_dim 20 both are trained with every seed of :data:`SEEDS` (:data:`SEED_STUDY`)."""

BINARIZED_MODEL = "conv latent_dim=20 binarized"
"""Lesson 10's model trained on dynamically binarized digits."""

CONDITIONAL_MODEL = "conditional"
"""Lesson 10's conditional VAE (the default MLP, the label given to encoder and decoder)."""

KL_WARMUP_STUDY = {
    0: "latent_dim=20",
    10: "latent_dim=20 kl_warmup_epochs=10",
}
"""Lesson 10's KL warm-up: ``{kl_warmup_epochs: name}`` at latent_dim 20, each with every seed
of :data:`SEEDS` (:data:`SEED_STUDY`)."""


def spec(name):
    """The :class:`ModelSpec` of a named model.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`MODELS`.
    """
    return MODELS[validation.check_choice("name", name, tuple(MODELS))]


def trained(name):
    """A trained model by name: loaded from the cache, or trained once and cached.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.

    Returns
    -------
    vae : models.VAE (original.OriginalVAE for the original's variants)
    history : dict of str to list of float
    """
    model_spec = spec(name)
    if model_spec.variant == CORRECTED:
        return training.trained_vae(model_spec.config)
    return original.trained_original_vae(
        model_spec.config, swapped_bce=model_spec.variant == AS_WRITTEN
    )
