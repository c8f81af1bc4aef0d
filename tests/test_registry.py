"""The registry of named trained models."""

import dataclasses

import pytest

from vae_lessons import original, registry, training


def test_studies_name_registered_models_with_the_right_configs():
    assert set(registry.LATENT_DIM_STUDY) == {2, 8, 20} and set(registry.KL_WEIGHT_STUDY) == {0.5, 1.0, 2.0}
    names = [*registry.LATENT_DIM_STUDY.values(), *registry.KL_WEIGHT_STUDY.values(), *registry.ORIGINAL_STUDY]
    assert set(names) <= set(registry.MODELS)
    for latent_dim, name in registry.LATENT_DIM_STUDY.items():
        assert registry.spec(name) == registry.ModelSpec(training.TrainingConfig(latent_dim=latent_dim))
    for kl_weight, name in registry.KL_WEIGHT_STUDY.items():
        assert registry.spec(name).config == training.TrainingConfig(latent_dim=20, kl_weight=kl_weight)
    assert registry.KL_WEIGHT_STUDY[1.0] == registry.LATENT_DIM_STUDY[20]  # one model, two studies
    assert registry.spec("default").config == training.TrainingConfig()
    assert [registry.spec(name).variant for name in registry.ORIGINAL_STUDY] == list(registry.VARIANTS)
    assert all(registry.spec(name).config == original.ORIGINAL_CONFIG for name in registry.ORIGINAL_STUDY)


def test_trained_dispatches_to_the_cached_trainers(monkeypatch):
    calls = []
    monkeypatch.setattr(training, "trained_vae", lambda config: calls.append(("vae", config)) or ("vae", {}))
    monkeypatch.setattr(
        original, "trained_original_vae", lambda config, swapped_bce: calls.append(("original", swapped_bce)) or ("o", {})
    )
    registry.trained("latent_dim=8")
    registry.trained("original settings, shared epsilon")
    registry.trained("original as written")
    assert calls == [("vae", training.TrainingConfig(latent_dim=8)), ("original", False), ("original", True)]


def test_unknown_names_and_bad_specs_are_refused():
    with pytest.raises(ValueError, match="Invalid value received for argument `name`. Expected one of 'default'"):
        registry.trained("latent_dim=3")
    with pytest.raises(ValueError, match="argument `variant`"):
        registry.ModelSpec(training.TrainingConfig(), "buggy")
    with pytest.raises(TypeError, match="argument `config`"):
        registry.ModelSpec({"latent_dim": 2})


def test_collapse_study_and_seeds():
    assert registry.COLLAPSE_STUDY[1.0] == registry.LATENT_DIM_STUDY[20]
    for kl_weight, name in registry.COLLAPSE_STUDY.items():
        assert registry.spec(name).config == training.TrainingConfig(latent_dim=20, kl_weight=kl_weight)
    assert registry.SEEDS == (0, 1, 2)
    assert set(registry.SEED_STUDY) == {*registry.KL_WEIGHT_STUDY.values(), *registry.ORIGINAL_STUDY[:2],
                                        registry.ARCHITECTURE_STUDY[("conv", 20)], registry.KL_WARMUP_STUDY[10]}
    for name, names in registry.SEED_STUDY.items():
        assert names[0] == name and len(set(names)) == len(registry.SEEDS)
        specs = [registry.spec(seeded) for seeded in names]
        assert [model_spec.config.seed for model_spec in specs] == list(registry.SEEDS)
        # the same model but for its seed
        assert {dataclasses.replace(s.config, seed=0) for s in specs} == {registry.spec(name).config}
        assert {s.variant for s in specs} == {registry.spec(name).variant}
    assert registry.seeded_name("default", 0) == "default"
    assert registry.seeded_name("default", 2) == "default seed=2"
