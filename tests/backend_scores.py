"""What the cross-backend tests compute on one Keras backend (``tests/test_backends.py``).

Run as a script in a fresh Python (Keras picks its backend when it is first imported),
``KERAS_BACKEND=torch python tests/backend_scores.py FOLDER``, it prints the results as
one JSON line; the test process calls :func:`scores` directly for its own backend.
"""

import json
import sys
from pathlib import Path

import keras
import numpy as np

from vae_lessons import architectures, losses, models, saving


def _numbers(tensor):
    return keras.ops.convert_to_numpy(tensor).tolist()


def scores(folder):
    """Score the three saved VAEs of ``folder`` on ``x.npy``; train the convolutional one briefly.

    Parameters
    ----------
    folder : Path
        Holds ``mlp.keras``, ``conditional.keras``, ``conv.keras``, ``x.npy`` (shape
        (16, 784)) and ``labels.npy`` (shape (16,)).

    Returns
    -------
    results : dict
        The backend's name; the ELBO per digit at z = z_mean of each model, shape (16,);
        and the history of 2 epochs of the convolutional VAE on dynamically binarized
        digits with a 1-epoch KL warm-up.
    """
    folder = Path(folder)
    x, labels = np.load(folder / "x.npy"), np.load(folder / "labels.npy")
    mlp = saving.load_vae(folder / "mlp.keras")
    z_mean, z_log_var = mlp.encode(x)
    mlp_elbo = losses.elbo(x, mlp.decode(z_mean), z_mean, z_log_var)
    conditional = saving.load_vae(folder / "conditional.keras")
    z_mean, z_log_var = conditional.encode(x, labels)
    conditional_elbo = losses.elbo(x, conditional.decode(z_mean, labels), z_mean, z_log_var)
    conv = saving.load_vae(folder / "conv.keras")  # safe_mode: no Lambda layers
    z_mean, z_log_var, _ = conv.encoder(x)
    conv_elbo = losses.elbo(x, conv.decoder(z_mean), z_mean, z_log_var)
    conv.compile(optimizer="adam")
    history = conv.fit(
        architectures.DynamicBinarization(x, batch_size=8, seed=0), epochs=2, verbose=0,
        callbacks=[architectures.KLWarmUp(warmup_epochs=1)],
    ).history
    return {
        "backend": keras.backend.backend(),
        "mlp_elbo": _numbers(mlp_elbo),
        "conditional_elbo": _numbers(conditional_elbo),
        "conv_elbo": _numbers(conv_elbo),
        "conv_history": {name: [float(value) for value in values] for name, values in history.items()},
    }


if __name__ == "__main__":
    print(json.dumps(scores(sys.argv[1])))
