"""The training-speed benchmark times Keras's default and the package's setting.

Run with ``pytest benchmarks/`` (not in the default test paths).
"""

from benchmarks import training_speed
from vae_lessons import training


def test_the_benchmark_times_keras_default_and_the_package_setting():
    settings = training_speed.keras_settings()
    assert [steps for name, steps in settings.items() if name.endswith("(package)")] == [training.STEPS_PER_EXECUTION]
    assert 1 in settings.values()  # Keras's default, the baseline of the package's setting
