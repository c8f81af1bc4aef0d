"""Importing the package is cheap: submodules load lazily, nothing heavy comes along.

Each check runs in a fresh interpreter (this test process has long imported everything);
two interpreters in all, as each that imports Keras pays seconds for it (the second
takes its snapshot of a bare ``import keras`` before it imports the package).
"""

import json
import os
import subprocess
import sys

import pytest

SNAPSHOT = "import json, os, sys; print(json.dumps(sorted(sys.modules)))"


def snapshots(code, **env):
    """The names in ``sys.modules`` at each ``SNAPSHOT`` line of ``code``, in a fresh interpreter."""
    environment = {**os.environ, **env}
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    return [set(json.loads(line)) for line in process.stdout.splitlines() if line.startswith("[")]


def test_import_package_imports_nothing_writes_nothing_and_defaults_the_backend_to_jax(tmp_path):
    environment = {name: value for name, value in os.environ.items() if name != "KERAS_BACKEND"}
    environment["VAE_LESSONS_CACHE"] = str(tmp_path / "cache")
    code = "import os, vae_lessons\nprint(os.environ['KERAS_BACKEND'])"
    process = subprocess.run([sys.executable, "-c", code + "\n" + SNAPSHOT], capture_output=True, text=True, env=environment, check=True)
    assert process.stdout.splitlines()[0] == "jax"
    assert not (tmp_path / "cache").exists(), "import vae_lessons created the cache folder"
    modules = set(json.loads(process.stdout.splitlines()[-1]))
    assert not {name for name in modules if name.startswith("vae_lessons.")}
    assert not {"keras", "numpy", "matplotlib"} & modules


def test_submodules_load_lazily_and_training_on_jax_imports_no_tensorflow():
    """``import vae_lessons.losses`` adds nothing heavy to what ``import keras`` loads.

    Keras 3.15 itself imports matplotlib.pyplot (``keras.visualization``), so matplotlib is
    measured against a bare ``import keras``; TensorFlow, ipywidgets, anywidget and the
    package's figures and widgets must be absent. Training on JAX imports no TensorFlow
    either (saving a model does, inside Keras, when TensorFlow is installed). Then
    ``vae_lessons.plots`` and ``from vae_lessons import widgets`` load on demand.
    """
    keras_alone, after_losses, after_training, after_plots = snapshots(
        f"import keras\n{SNAPSHOT}\n"
        "import vae_lessons.losses\n"
        f"{SNAPSHOT}\n"
        "from vae_lessons import training\n"
        "vae, _ = training.train(training.TrainingConfig(epochs=1, train_size=64, validation_size=32))\n"
        "vae.encoder.predict(training.training_data()[1][:4], verbose=0)\n"
        f"{SNAPSHOT}\n"
        "import vae_lessons\n"
        "assert vae_lessons.plots.__name__ == 'vae_lessons.plots'\n"
        "from vae_lessons import widgets\n"
        "assert 'widgets' in dir(vae_lessons)\n"
        f"{SNAPSHOT}",
        KERAS_BACKEND="jax",
    )
    added = after_losses - keras_alone
    assert not [name for name in added if name.split(".")[0] in {"matplotlib", "anywidget", "ipywidgets", "IPython"}]
    for name in ("tensorflow", "anywidget", "ipywidgets", "vae_lessons.plots", "vae_lessons.widgets"):
        assert name not in after_losses, f"import vae_lessons.losses imported {name}"
    assert "keras" in after_training and "tensorflow" not in after_training
    assert {"vae_lessons.plots", "vae_lessons.widgets", "anywidget"} <= after_plots


def test_unknown_attribute_is_an_attribute_error():
    import vae_lessons

    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        vae_lessons.nonexistent  # noqa: B018
