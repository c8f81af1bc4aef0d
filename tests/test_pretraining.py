"""A shared hub, ready before class: `vae-lessons-train --all-lesson-models --cache DIR`.

Run on a tiny stand-in for the lessons' list of models (registry.MODELS, monkeypatched):
two small configurations, one of this package's VAE and one of the original notebook's,
so both kinds of cache entry are made; training every lesson model takes minutes.
"""

import dataclasses
import os
import stat

import keras
import pytest

from vae_lessons import original, registry, train, training

TINY = training.TrainingConfig(epochs=1, hidden_units=16, batch_size=50, train_size=200, validation_size=100, seed=5)
TINY_MODELS = {
    "tiny": registry.ModelSpec(TINY),
    "tiny original": registry.ModelSpec(dataclasses.replace(TINY, seed=6), registry.SHARED_EPSILON),
}
CACHE_VARIABLES = ("VAE_LESSONS_CACHE", "JAX_COMPILATION_CACHE_DIR", "VAE_LESSONS_JAX_COMPILATION_CACHE")


@pytest.fixture
def tiny_lessons(monkeypatch):
    """registry.MODELS is two tiny models; the cache settings this process had come back after."""
    monkeypatch.setattr(registry, "MODELS", dict(TINY_MODELS))
    for name in CACHE_VARIABLES:  # recorded, so that teardown puts back what the command changes
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    jax_folder = None
    if keras.backend.backend() == "jax":
        import jax

        jax_folder = jax.config.jax_compilation_cache_dir
    yield
    if keras.backend.backend() == "jax":
        import jax

        jax.config.update("jax_compilation_cache_dir", jax_folder)


def test_all_lesson_models_fill_a_group_cache_then_load_from_it(tiny_lessons, tmp_path, capsys):
    folder = tmp_path / "hub-cache"
    folder.mkdir()
    group = 4242 if os.geteuid() == 0 else os.getegid()  # as root: a group of the class's own
    os.chown(folder, -1, group)
    folder.chmod(0o2775)  # the hub's set-group-ID folder: entries take its group

    assert train.main(["--all-lesson-models", "--cache", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"2 models into {folder} (backend {keras.backend.backend()}, Keras ")
    assert "[##########..........] 1/2 tiny: trained in " in out
    assert "[####################] 2/2 tiny original: trained in " in out
    assert "2 trained, 0 already in the cache" in out
    assert os.environ["VAE_LESSONS_CACHE"] == str(folder)
    entries = {name: train.cache_folder(name) for name in TINY_MODELS}
    for name, entry in entries.items():
        assert entry.parent == folder, name
        assert entry.stat().st_gid == group and entry.stat().st_mode & stat.S_ISGID, name
        assert (entry / "model.keras").stat().st_gid == group
    if keras.backend.backend() == "jax":
        assert (folder / "jax-compilation").is_dir()  # compiled programs for the students too
    stored = {name: (entry / "model.keras").stat().st_mtime_ns for name, entry in entries.items()}

    # a second run (a late student's kernel, or the teacher again) trains nothing
    assert train.main(["--all-lesson-models", "--cache", str(folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "tiny: " not in out  # --quiet: no progress bar
    assert "0 trained, 2 already in the cache" in out
    assert {name: (entry / "model.keras").stat().st_mtime_ns for name, entry in entries.items()} == stored
    # what a student's kernel then gets: the stored models, without training
    vae, _ = original.trained_original_vae(TINY_MODELS["tiny original"].config, swapped_bce=False)
    assert isinstance(vae, original.OriginalVAE)


def test_train_lesson_models_returns_each_model_and_refuses_unknown_names(tiny_lessons, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VAE_LESSONS_CACHE", str(tmp_path))
    ready = train.train_lesson_models(["tiny"])
    assert [(name, was_cached) for name, _, _, was_cached in ready] == [("tiny", False)]
    assert ready[0][1].latent_dim == 2
    with pytest.raises(ValueError, match="Invalid value received for argument `name`"):
        train.train_lesson_models(["tiny", "no such model"])
    assert "no such model" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--all-lesson-models", "--epochs", "3"], "trains the lessons' own configurations; leave out --epochs"),
        (["--all-lesson-models", "--distribute"], "leave out --distribute"),
        (["--all-lesson-models", "--output", "vae.keras"], "not allowed with argument"),
        (["--cache", "somewhere", "--output", "vae.keras"], "--cache goes with --all-lesson-models"),
        ([], "one of the arguments --output --all-lesson-models is required"),
        (["--all-lesson-models", "--cache", "a-file/cache"], "--cache a-file/cache: Not a directory"),
    ],
)
def test_all_lesson_models_rejects_training_options(arguments, message, tiny_lessons, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(SystemExit) as exit_info:
        train.main(arguments)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "somewhere").exists() and not (tmp_path / "vae.keras").exists()


def test_the_lessons_models_are_the_registry():
    """What the command trains is the one list of the lessons' models."""
    assert train.lesson_model_names() == tuple(registry.MODELS)
    assert {"default", "latent_dim=20", "conditional", "original as written"} <= set(train.lesson_model_names())
