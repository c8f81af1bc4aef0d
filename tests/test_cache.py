"""The model cache: trains once, never loses a training, refuses what it cannot trust."""

import base64
import dataclasses
import hashlib
import json
import marshal
import os
import stat
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from vae_lessons import cache as model_cache, saving
from vae_lessons import models, training

REPO = Path(__file__).resolve().parents[1]
TINY = training.TrainingConfig(hidden_units=16, epochs=2, batch_size=64, validation_size=100, train_size=200, seed=3)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # root ignores permission bits


def entry_of(config):
    """The cache folder of ``config``'s model."""
    return model_cache.cache_entry(training.cache_metadata(config))


def weights_of(vae):
    return [np.asarray(w) for w in vae.get_weights()]


@pytest.fixture
def train_calls(monkeypatch):
    """Count the trainings behind training.trained_vae, each replaced by a built, untrained model.

    The cache stores and checks whatever it is given; fitting would only cost time.
    """
    calls = []

    def build_instead_of_training(config):
        calls.append(config)
        vae = models.build_vae(config.latent_dim, config.hidden_units, kl_weight=config.kl_weight, seed=config.seed)
        return vae, {"loss": [2.0, 1.0], "val_loss": [2.5, 1.5]}

    monkeypatch.setattr(training, "train", build_instead_of_training)
    return calls


def test_trains_once_then_loads(cache, monkeypatch):
    train_calls = []
    real_train = training.train
    monkeypatch.setattr(training, "train", lambda config: train_calls.append(config) or real_train(config))
    vae, history = training.trained_vae(TINY)
    again, history_again = training.trained_vae(TINY)
    assert len(train_calls) == 1 and history_again == history
    for a, b in zip(weights_of(vae), weights_of(again)):
        np.testing.assert_array_equal(a, b)
    entry = entry_of(TINY)
    assert entry.parent == cache and (entry / "model.keras").is_file()
    assert entry_of(dataclasses.replace(TINY, epochs=1)) != entry  # another configuration, another entry


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("VAE_LESSONS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert model_cache.cache_dir() == tmp_path / "vae-lessons"
    monkeypatch.setenv("VAE_LESSONS_CACHE", str(tmp_path / "mine"))
    assert model_cache.cache_dir() == tmp_path / "mine"


def test_cached_is_the_one_cache_for_any_trainer(cache):
    calls = []

    def train_tiny():
        calls.append(1)
        return models.build_vae(2, 16), {"loss": [1.0]}

    metadata = {**training.cache_metadata(TINY), "variant": "my experiment"}
    first, history = model_cache.cached(metadata, train_tiny)
    again, history_again = model_cache.cached(metadata, train_tiny)
    assert len(calls) == 1 and history_again == history
    assert model_cache.cache_entry(metadata) != entry_of(TINY)  # its own entry

    class OtherVAE(models.VAE):
        pass

    with pytest.warns(model_cache.CacheWarning, match="holds a VAE, expected a OtherVAE"):
        model_cache.cached(metadata, train_tiny, model_type=OtherVAE)
    assert len(calls) == 2


def _set_meta(entry, change):
    meta = json.loads((entry / "meta.json").read_text())
    change(meta)
    (entry / "meta.json").write_text(json.dumps(meta))


def _other_latent_size_with_checksum_updated(entry):
    """A tamperer's entry: a valid model of another latent size, its checksum recorded."""
    (entry / "model.keras").unlink()
    saving.save_vae(models.build_vae(latent_dim=3, hidden_units=TINY.hidden_units), entry / "model.keras")
    _set_meta(entry, lambda meta: meta.update(model_sha256=hashlib.sha256((entry / "model.keras").read_bytes()).hexdigest()))


def _unreadable_model(entry):
    (entry / "model.keras").chmod(0)


def _entry_is_a_file(entry):
    for path in entry.iterdir():
        path.unlink()
    entry.rmdir()
    entry.write_text("not a folder")


DAMAGES = {
    "model bytes": lambda entry: (entry / "model.keras").write_bytes(b"corrupt"),
    "model missing": lambda entry: (entry / "model.keras").unlink(),
    "meta not json": lambda entry: (entry / "meta.json").write_text("{not json"),
    "meta []": lambda entry: (entry / "meta.json").write_text("[]"),
    "meta null": lambda entry: (entry / "meta.json").write_text("null"),
    "meta not utf-8": lambda entry: (entry / "meta.json").write_bytes(b"\xff\xfe"),
    "meta checksum not a string": lambda entry: _set_meta(entry, lambda meta: meta.update(model_sha256=5)),
    "stale keras version": lambda entry: _set_meta(entry, lambda meta: meta["metadata"].update(keras_version="0.0.1")),
    'history {"loss": [null]}': lambda entry: (entry / "history.json").write_text('{"loss": [null]}'),
    'history "abc"': lambda entry: (entry / "history.json").write_text('"abc"'),
    "history 5": lambda entry: (entry / "history.json").write_text("5"),
    "history []": lambda entry: (entry / "history.json").write_text("[]"),
    "history {}": lambda entry: (entry / "history.json").write_text("{}"),
    "history NaN": lambda entry: (entry / "history.json").write_text('{"loss": [1.0, NaN]}'),
    "history Infinity": lambda entry: (entry / "history.json").write_text('{"loss": [Infinity]}'),
    "history true": lambda entry: (entry / "history.json").write_text('{"loss": [true]}'),
    "history ragged": lambda entry: (entry / "history.json").write_text('{"loss": [1.0, 2.0], "kl": [1.0]}'),
    "history []-valued": lambda entry: (entry / "history.json").write_text('{"loss": []}'),
    "other latent size, checksum updated": _other_latent_size_with_checksum_updated,
    "entry is a file": _entry_is_a_file,
    "unreadable model.keras": _unreadable_model,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_or_stale_entries_are_retrained_and_replaced(cache, train_calls, damage):
    if damage == "unreadable model.keras" and IS_ROOT:
        pytest.skip("root reads files whatever their mode")
    training.trained_vae(TINY)
    entry = entry_of(TINY)
    DAMAGES[damage](entry)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vae, history = training.trained_vae(TINY)
    messages = [str(w.message) for w in caught if issubclass(w.category, model_cache.CacheWarning)]
    assert len(messages) == 1 and messages[0].startswith("retraining"), messages
    assert len(train_calls) == 2 and vae.latent_dim == TINY.latent_dim
    assert all(np.isfinite(value) for values in history.values() for value in values)
    again, _ = training.trained_vae(TINY)  # the repaired entry now loads
    assert len(train_calls) == 2
    for a, b in zip(weights_of(vae), weights_of(again)):
        np.testing.assert_array_equal(a, b)


def test_architecture_check_refuses_another_size():
    check = model_cache.architecture_check(latent_dim=2, hidden_units=16)
    check(models.build_vae(2, 16))
    for latent_dim, hidden_units in [(3, 16), (2, 17)]:
        with pytest.raises(ValueError, match="expected latent_dim=2 and hidden_units=16"):
            check(models.build_vae(latent_dim, hidden_units))


def _only_store_warning(caught):
    messages = [str(w.message) for w in caught if issubclass(w.category, model_cache.CacheWarning)]
    assert len(messages) == 1, messages
    return messages[0]


def _read_only_folder(folder):
    folder.mkdir(parents=True)
    folder.chmod(0o555)
    return folder


def _cache_path_is_a_file(folder):
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the cache folder should be")
    return folder


def _parent_is_a_file(folder):
    folder.parent.mkdir(parents=True, exist_ok=True)
    (folder.parent / "file").write_text("")
    return folder.parent / "file" / "cache"


@pytest.mark.parametrize("make_unwritable", [_read_only_folder, _cache_path_is_a_file, _parent_is_a_file])
def test_a_store_that_cannot_happen_keeps_the_model_and_warns_once(tmp_path, monkeypatch, train_calls, make_unwritable):
    if make_unwritable is _read_only_folder and IS_ROOT:
        pytest.skip("root writes into read-only folders")
    folder = make_unwritable(tmp_path / "cache")
    monkeypatch.setenv("VAE_LESSONS_CACHE", str(folder))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vae, history = training.trained_vae(TINY)
    assert isinstance(vae, models.VAE) and history["loss"] and len(train_calls) == 1
    message = _only_store_warning(caught)
    assert f"could not store the trained model in the cache folder {folder}" in message
    assert "the model is returned but not cached" in message and "Set VAE_LESSONS_CACHE" in message
    assert not any(path.name.startswith(".staging-") for path in tmp_path.rglob("*"))


def test_an_entry_in_a_read_only_folder_is_retrained_and_returned(cache, train_calls):
    if IS_ROOT:
        pytest.skip("root writes into read-only folders")
    training.trained_vae(TINY)
    entry = entry_of(TINY)
    (entry / "model.keras").write_bytes(b"damaged")
    cache.chmod(0o555)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            vae, _ = training.trained_vae(TINY)
    finally:
        cache.chmod(0o755)
    messages = [str(w.message) for w in caught if issubclass(w.category, model_cache.CacheWarning)]
    assert len(train_calls) == 2 and isinstance(vae, models.VAE)
    assert messages[0].startswith("retraining") and "could not store" in messages[1] and len(messages) == 2


def test_entries_follow_the_umask_and_the_group_of_a_shared_folder(cache, train_calls):
    cache.mkdir()
    cache.chmod(0o2775)  # a group folder: setgid, group-writable
    old_umask = os.umask(0o002)
    try:
        training.trained_vae(TINY)
    finally:
        os.umask(old_umask)
    entry = entry_of(TINY)
    assert stat.S_IMODE(entry.stat().st_mode) & 0o777 == 0o775  # not mkdtemp's 0700
    for path in entry.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o664, path
        assert path.stat().st_gid == cache.stat().st_gid
    assert entry.stat().st_gid == cache.stat().st_gid


def test_orphaned_staging_folders_are_cleaned_and_fresh_ones_kept(cache, train_calls):
    cache.mkdir()
    old = cache / ".staging-999999-killed"
    old.mkdir()
    (old / "model.keras").write_bytes(bytes(1000))
    discarded = cache / ".discarded-999999-killed"
    discarded.write_text("")
    hour_ago = time.time() - model_cache.ORPHAN_AGE - 60
    for path in (old / "model.keras", old, discarded):
        os.utime(path, (hour_ago, hour_ago))
    fresh = cache / ".staging-999998-writing-now"
    fresh.mkdir()
    training.trained_vae(TINY)
    assert not old.exists() and not discarded.exists() and fresh.exists()


def test_store_entry_replaces_an_entry_in_place(cache, train_calls):
    vae, history = training.trained_vae(TINY)
    entry = entry_of(TINY)
    model_cache.store_entry(entry, training.cache_metadata(TINY), vae, history)
    # The replaced entry holds the same weights (not the same bytes: Keras stamps the
    # time of saving into the archive).
    stored = saving.load_vae(entry / "model.keras")
    for stored_weights, weights in zip(weights_of(stored), weights_of(vae)):
        np.testing.assert_array_equal(stored_weights, weights)
    assert sorted(path.name for path in cache.iterdir() if path.is_dir()) == [entry.name]


# --- safe loading: crafted archives are refused -------------------------------------


def _crafted(tmp_path, layer):
    """A real VAE archive whose encoder's hidden layer is replaced by ``layer``."""
    source = tmp_path / "real.keras"
    saving.save_vae(models.build_vae(2, 16), source)
    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    for entry in config["config"]["encoder"]["config"]["layers"]:
        if entry["config"].get("name") == "encoder_hidden":
            entry.update(layer)
    files["config.json"] = json.dumps(config).encode()
    target = tmp_path / "crafted.keras"
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return target


def _lambda_layer(marker):
    function = eval(f"lambda x: (open({str(marker)!r}, 'w').write('ran'), x)[1]")
    code = base64.b64encode(marshal.dumps(function.__code__)).decode()
    function_config = {"class_name": "__lambda__", "config": {"code": code, "defaults": None, "closure": None}}
    return {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "encoder_hidden", "function": function_config, "output_shape": None, "arguments": {}}}


def _string_lookup_layer(secret):
    return {"module": "keras.layers", "class_name": "StringLookup", "registered_name": None,
            "config": {"name": "encoder_hidden", "vocabulary": str(secret), "num_oov_indices": 1,
                       "mask_token": None, "oov_token": "[UNK]", "output_mode": "int"}}


def _foreign_class(marker):
    return {"module": "subprocess", "class_name": "Popen", "registered_name": None,
            "config": {"args": ["touch", str(marker)]}}


CRAFTED = {
    "Lambda layer": (_lambda_layer, "holds a Lambda"),
    "StringLookup of a local file": (_string_lookup_layer, "holds a StringLookup"),
    "class outside Keras": (_foreign_class, "names 'subprocess', outside Keras and vae_lessons"),
}


@pytest.mark.parametrize("kind", list(CRAFTED))
def test_crafted_archives_are_refused(tmp_path, kind):
    make_layer, reason = CRAFTED[kind]
    marker = tmp_path / "marker.txt"
    if kind.startswith("StringLookup"):
        marker.write_text("secret\n")
    crafted = _crafted(tmp_path, make_layer(marker))
    with pytest.raises(ValueError, match=f"crafted.keras: refused: the model config {reason}"):
        saving.load_vae(crafted)
    # Keras's own safe_mode refuses it too (the reason for the package's Keras floor).
    with pytest.raises((ValueError, TypeError)):
        keras.saving.load_model(crafted, safe_mode=True, compile=False)
    assert marker.exists() == kind.startswith("StringLookup") and "ran" not in (marker.read_text() if marker.exists() else "")


def test_crafted_archive_in_the_cache_is_retrained(cache, train_calls, tmp_path):
    training.trained_vae(TINY)
    entry = entry_of(TINY)
    crafted = _crafted(tmp_path, _lambda_layer(tmp_path / "ran.txt"))
    (entry / "model.keras").write_bytes(crafted.read_bytes())
    _set_meta(entry, lambda meta: meta.update(model_sha256=hashlib.sha256(crafted.read_bytes()).hexdigest()))
    with pytest.warns(model_cache.CacheWarning, match="refused: the model config holds a Lambda"):
        training.trained_vae(TINY)
    assert len(train_calls) == 2 and not (tmp_path / "ran.txt").exists()


# --- concurrency: several processes on one empty cache ------------------------------

WORKER = r"""
import json, os, sys, time, warnings
from pathlib import Path
role, index, folder, go, rounds, processes = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
os.environ["VAE_LESSONS_CACHE"] = folder
from vae_lessons import cache, models, training
SHARED = training.TrainingConfig(epochs=1, hidden_units=16, train_size=200, validation_size=100, seed=0)
OWN = training.TrainingConfig(epochs=1, hidden_units=16, train_size=200, validation_size=100, seed=1 + index)
trainings = []
MARK = float(1 + index + 10 * (role == "replacer"))  # this process's mark on what it trains


def train_stand_in(config):
    # A training whose model and history carry this process's mark, so two trainings of
    # one configuration give two different models (real trainings, seeded, would agree).
    trainings.append(config.seed)
    if config == SHARED:  # hold the entry's lock until every process has asked for it
        deadline = time.monotonic() + 120
        while len(list(go.glob("asked-*"))) < processes and time.monotonic() < deadline:
            time.sleep(0.01)
    vae = models.build_vae(config.latent_dim, config.hidden_units, seed=config.seed)
    weights = vae.get_weights()
    vae.set_weights(weights[:-1] + [weights[-1] + MARK])  # the decoder's output bias
    return vae, {"loss": [MARK]}


training.train = train_stand_in
(go / f"ready-{role}-{index}").touch()
while not (go / "go").exists():
    time.sleep(0.01)
calls, results = 0, []
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    for round_ in range(rounds):
        configs = [SHARED, OWN, SHARED] if role == "trainer" else [SHARED]
        for config in configs:
            if round_ == 0 and config == SHARED:
                (go / f"asked-{role}-{index}").touch()
            vae, history = training.trained_vae(config)
            calls += 1
            assert vae.latent_dim == 2 and history["loss"], "invalid model"
            results.append([config.seed, float(sum(float(abs(w).sum()) for w in vae.get_weights())), history["loss"][0]])
        if role == "replacer":  # replace the shared entry in place, again and again
            cache.store_entry(cache.cache_entry(training.cache_metadata(SHARED)), training.cache_metadata(SHARED), vae, history)
            calls += 1
print(json.dumps({"role": role, "calls": calls, "trainings": trainings, "results": results,
                  "warnings": [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]}))
"""


def test_concurrent_processes_train_store_and_read_one_cache(tmp_path, monkeypatch):
    """2 trainers (a shared and an own configuration) and 1 replacer at once, on an empty cache.

    All three ask for the shared entry at the same instant; whoever trains it holds the
    entry's lock until the others have asked too, so they must wait for it (without the
    lock, each would train its own). The trainers then keep reading the shared entry
    while the replacer replaces it in place. The training is a stand-in that marks its
    model with the process (the cache stores and checks whatever it is given; real
    trainings, seeded, would give equal models whoever trained them).
    """
    folder, go = tmp_path / "cache", tmp_path / "go"
    go.mkdir()
    roles = [("trainer", 0), ("trainer", 1), ("replacer", 0)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    # JAX's compilation cache stays this process's (warm): in the new model cache's own
    # folder every worker compiled each small program anew and wrote it to disk, and this
    # test is about the model cache. Without the package's marker the inherited folder
    # counts as the user's choice (vae_lessons/__init__.py).
    env.pop("VAE_LESSONS_JAX_COMPILATION_CACHE", None)
    processes = [
        subprocess.Popen([sys.executable, "-c", WORKER, role, str(index), str(folder), str(go), "5", str(len(roles))],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for role, index in roles
    ]
    deadline = time.time() + 240
    while len(list(go.glob("ready-*"))) < len(roles) and time.time() < deadline:
        time.sleep(0.05)
    (go / "go").touch()  # all imported: start at the same instant
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=max(1, deadline + 120 - time.time()))
        assert process.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    calls = sum(report["calls"] for report in reports)
    shared_trainings = sum(report["trainings"].count(0) for report in reports)
    own_trainings = sum(len(report["trainings"]) for report in reports) - shared_trainings
    shared_models = {(round(total, 3), loss) for report in reports for seed, total, loss in report["results"] if seed == 0}
    leftovers = [path.name for path in folder.iterdir() if path.name.startswith((".staging-", ".discarded-"))]
    # the model entries (JAX's compilation cache also lives in the folder: vae_lessons/__init__.py)
    entries = sorted(path.name for path in folder.iterdir() if path.is_dir() and path.name != "jax-compilation")
    print(f"{len(processes)} processes, {calls} calls, {shared_trainings} trainings of the shared configuration, "
          f"{own_trainings} of the 2 own ones, 0 lost, leftovers {leftovers}")
    assert shared_trainings == 1 and own_trainings == 2  # the lock: one training per configuration
    assert len(shared_models) == 1  # every process got the same shared model and history
    assert leftovers == [] and len(entries) == 3
    assert not any(message for report in reports for message in report["warnings"])
    monkeypatch.setenv("VAE_LESSONS_CACHE", str(folder))
    for seed in range(3):  # every entry is valid
        config = training.TrainingConfig(epochs=1, hidden_units=16, train_size=200, validation_size=100, seed=seed)
        model_cache.load_entry(entry_of(config), training.cache_metadata(config),
                               check_model=model_cache.architecture_check(2, 16))


def _permission_denied(*args, **kwargs):
    raise PermissionError(13, "Permission denied")


def test_simulated_read_only_folder_keeps_the_model_and_warns_once(cache, monkeypatch, train_calls):
    """The read-only case also where the tests run as root (which ignores mode bits)."""
    cache.mkdir()
    real_mkdir = Path.mkdir
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: _permission_denied() if self.parent == cache else real_mkdir(self, *a, **k))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vae, _ = training.trained_vae(TINY)
    assert isinstance(vae, models.VAE) and len(train_calls) == 1
    assert "PermissionError" in _only_store_warning(caught)


def test_simulated_unreadable_model_is_retrained(cache, monkeypatch, train_calls):
    training.trained_vae(TINY)
    real_read_bytes = Path.read_bytes
    unreadable = entry_of(TINY) / "model.keras"
    with monkeypatch.context() as patch:
        patch.setattr(Path, "read_bytes", lambda self: _permission_denied() if self == unreadable else real_read_bytes(self))
        with pytest.warns(model_cache.CacheWarning, match="model.keras: unreadable \\(PermissionError"):
            vae, _ = training.trained_vae(TINY)
    assert isinstance(vae, models.VAE) and len(train_calls) == 2
