"""JAX's persistent compilation cache: defaulted next to the model cache, never over the user's choice.

Each check runs in a fresh interpreter, since the package sets the default when first
imported (and the test process imported it long ago).
"""

import json
import os
import subprocess
import sys

REPORT = (
    "import json, os, sys\n"
    "jax = sys.modules.get('jax')\n"
    "print(json.dumps({'jax_imported': jax is not None,"
    " 'environment': {k: v for k, v in os.environ.items() if k.startswith('JAX_')},"
    " 'config': None if jax is None else {n: getattr(jax.config, n) for n in"
    " ('jax_compilation_cache_dir', 'jax_persistent_cache_min_compile_time_secs', 'jax_compilation_cache_max_size')}}))"
)


def run(code, **env):
    """The JAX settings a fresh interpreter reports after ``code``, in an environment without JAX_* variables."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("JAX_", "VAE_LESSONS_JAX_"))}
    environment.update(env)
    process = subprocess.run([sys.executable, "-c", f"{code}\n{REPORT}"], capture_output=True, text=True, env=environment, check=True)
    return json.loads(process.stdout.splitlines()[-1])


def test_import_sets_the_default_in_the_environment_without_importing_jax(tmp_path):
    report = run("import vae_lessons", KERAS_BACKEND="jax", VAE_LESSONS_CACHE=str(tmp_path))
    assert not report["jax_imported"]
    assert report["environment"] == {
        "JAX_COMPILATION_CACHE_DIR": str(tmp_path / "jax-compilation"),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0.0",
        "JAX_COMPILATION_CACHE_MAX_SIZE": str(2**30),
    }


def test_a_child_process_with_another_model_cache_chooses_again(tmp_path):
    """pytest (or a benchmark) imports the package, then starts kernels on another cache."""
    code = (
        "import os, subprocess, sys\n"
        "import vae_lessons\n"
        f"os.environ['VAE_LESSONS_CACHE'] = {str(tmp_path / 'second')!r}\n"
        "child = 'import jax, vae_lessons; print(jax.config.jax_compilation_cache_dir)'\n"
        "subprocess.run([sys.executable, '-c', child], check=True)\n"
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("JAX_", "VAE_LESSONS_JAX_"))}
    environment.update(KERAS_BACKEND="jax", VAE_LESSONS_CACHE=str(tmp_path / "first"))
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    assert process.stdout.splitlines()[-1] == str(tmp_path / "second" / "jax-compilation")


def test_the_folder_is_in_the_model_cache_by_the_cache_modules_rule(tmp_path, monkeypatch):
    """The child's folder is ``cache.cache_dir()`` in the same environment (asked here:
    ``cache.cache_dir`` reads the environment when called, and importing it in the child
    would import Keras, seconds, for one path)."""
    from vae_lessons import cache

    code = "import vae_lessons, jax\nprint(jax.config.jax_compilation_cache_dir)"
    environment = {name: value for name, value in os.environ.items() if name not in {"VAE_LESSONS_CACHE", "JAX_COMPILATION_CACHE_DIR"}}
    environment.update(KERAS_BACKEND="jax", XDG_CACHE_HOME=str(tmp_path))
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    monkeypatch.delenv("VAE_LESSONS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert process.stdout.splitlines()[-1] == str(cache.cache_dir() / "jax-compilation")
    assert cache.cache_dir() == tmp_path / "vae-lessons"


def test_jax_imported_first_gets_the_default_in_its_config(tmp_path):
    report = run("import jax\nimport vae_lessons", KERAS_BACKEND="jax", VAE_LESSONS_CACHE=str(tmp_path))
    assert report["config"] == {
        "jax_compilation_cache_dir": str(tmp_path / "jax-compilation"),
        "jax_persistent_cache_min_compile_time_secs": 0.0,
        "jax_compilation_cache_max_size": 2**30,
    }
    assert report["environment"]["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "jax-compilation")


def test_the_users_own_settings_win(tmp_path):
    mine = str(tmp_path / "mine")
    by_environment = run("import vae_lessons", KERAS_BACKEND="jax", JAX_COMPILATION_CACHE_DIR=mine)
    assert by_environment["environment"] == {"JAX_COMPILATION_CACHE_DIR": mine}
    by_config = run(f"import jax\njax.config.update('jax_compilation_cache_dir', {mine!r})\nimport vae_lessons", KERAS_BACKEND="jax")
    assert by_config["config"] == {
        "jax_compilation_cache_dir": mine,
        "jax_persistent_cache_min_compile_time_secs": 1.0,
        "jax_compilation_cache_max_size": -1,
    }
    one_option = run("import vae_lessons", KERAS_BACKEND="jax", JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="2")
    assert one_option["environment"]["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "2"


def test_other_backends_are_left_alone():
    assert run("import vae_lessons", KERAS_BACKEND="torch")["environment"] == {}


def test_an_unusable_folder_is_not_used(tmp_path):
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("")
    report = run("import vae_lessons", KERAS_BACKEND="jax", VAE_LESSONS_CACHE=str(a_file))
    assert report["environment"] == {}
