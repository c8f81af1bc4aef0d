"""Write exercise_drafts/lesson_0N.md from vae_lessons.exercises (run from the repo root).

    PYTHONPATH=. python exercise_drafts/make_drafts.py

The drafts are generated so the solution cells carry exactly the package's solution code.
This folder is temporary: the lead deletes it once the lessons carry the exercises.
"""

from pathlib import Path

from vae_lessons.exercises import (
    checking,
    lesson_01,
    lesson_02,
    lesson_03,
    lesson_04,
    lesson_05,
    lesson_06,
    lesson_07,
)

HERE = Path(__file__).parent

QUESTIONS = {
    "lesson_01.ex1": ("What fraction of all training pixels (in `x_train`, the uint8 images) is exactly 0?",
                      "a number between 0 and 1"),
    "lesson_01.ex2": ("Split the training digits into a training part and a validation set of 400 digits, "
                      "40 of each class, drawn without replacement. Give "
                      "`(x_train_part, y_train_part, x_validation, y_validation)`.",
                      "a tuple of four arrays"),
    "lesson_01.ex3": ("Average the scaled training images of each class. Which two classes have the closest "
                      "average images (Euclidean distance)? Give the pair, e.g. `(3, 5)`.",
                      "a pair of two digit classes"),
    "lesson_02.ex1": ("Write `reparameterize(z_mean, z_log_var, epsilon)` in NumPy: return $z = \\mu + \\sigma\\varepsilon$, "
                      "where `z_log_var` is $\\log\\sigma^2$. All arrays have shape (batch, latent_dim).",
                      "your function (its name, no parentheses)"),
    "lesson_02.ex2": ("Write `sample_z(z_mean, z_log_var, seed)`: draw the noise with "
                      "`np.random.default_rng(seed)` and return a sample of $z$ with **one $\\varepsilon$ per example**.",
                      "your function"),
    "lesson_03.ex1": ("Write `reconstruction_loss(x, x_reconstructed)` in NumPy: the Bernoulli negative "
                      "log-likelihood of each digit, in nats, shape (batch,). It must stay finite when an "
                      "output is exactly 0 or 1.",
                      "your function"),
    "lesson_03.ex2": ("Write `kl_divergence(z_mean, z_log_var)` in NumPy: the closed-form KL from "
                      "$\\mathcal{N}(\\mu, \\sigma^2)$ to $\\mathcal{N}(0, I)$ for each example, shape (batch,).",
                      "your function"),
    "lesson_03.ex3": ("What reconstruction loss does a decoder get if it outputs 0.5 for every pixel? "
                      "Give nats per digit. Why is that a useful baseline?",
                      "a number, nats per digit"),
    "lesson_04.ex1": ("Write `best_epoch(history)`: the epoch (counted from 1) with the lowest validation "
                      "loss. Then call it on this lesson's `history`.",
                      "your function"),
    "lesson_04.ex2": ("Write `generalization_gap(history)`: the final validation loss minus the final "
                      "training loss, in nats. Then call it on `history`: is the model overfitting?",
                      "your function"),
    "lesson_05.ex1": ("Write `closest_classes(z_mean, labels)`: the two digit classes whose centres (mean "
                      "`z_mean` of their digits) are closest. Then call it on the test digits' codes: does "
                      "the pair match the overlap you see in the plot?",
                      "your function"),
    "lesson_05.ex2": ("Write `mean_kl_per_dimension(z_mean, z_log_var)`: the KL of each latent dimension, "
                      "averaged over the digits, shape (latent_dim,). Then use it on the 20-D model: which "
                      "dimensions carry the most KL?",
                      "your function"),
    "lesson_05.ex3": ("Write `count_active(z_mean)`: how many latent dimensions are active, i.e. the "
                      "variance of `z_mean` over the digits exceeds 0.01 (Burda et al.). How many of the "
                      "20-D model's dimensions are active?",
                      "your function"),
    "lesson_06.ex1": ("Write `interpolate(z_a, z_b, num_steps)`: `num_steps` codes on the straight line from "
                      "`z_a` to `z_b`, both ends included, shape (num_steps, latent_dim).",
                      "your function"),
    "lesson_06.ex2": ("Write `largest_step(images)`: the largest Euclidean distance between consecutive "
                      "images of a sequence (num_images, 784). Then compare the path between two test 7s "
                      "with the path from a 7 to a 1: which is smoother?",
                      "your function"),
    "lesson_07.ex1": ("Write `bits_per_pixel(nats)`: convert nats per digit into bits per pixel. Then convert "
                      "the default model's test negative ELBO.",
                      "your function"),
    "lesson_07.ex2": ("Write `log_mean_exp(log_weights)` for log importance weights of shape (num_samples, batch): "
                      "$\\log \\frac1k \\sum_i e^{w_i}$ per digit, without overflow (real log weights are near -800).",
                      "your function"),
    "lesson_07.ex3": ("Write `standard_error(values)`: the standard error of the mean of `values`. "
                      "Then compare the spread of the negative ELBO over seeds 0 to 4 with the standard error "
                      "over digits: which uncertainty matters more?",
                      "your function"),
}

# Open questions (no check): a markdown question and a worked answer, hidden.
OPEN_QUESTIONS = {
    "lesson_02": [("Why predict $\\log\\sigma^2$ rather than $\\sigma^2$ or $\\sigma$? What would go wrong if a `Dense` layer output $\\sigma^2$ directly?",
                   "A `Dense` layer outputs any real number, but a variance must be positive: a negative output would make $\\sigma$ undefined (NaN) and training would stop. `exp(z_log_var)` is positive for every output, and it spreads small variances (1e-4 to 1) over a comfortable range of outputs (about -9 to 0) instead of squeezing them next to zero.")],
    "lesson_04": [("Train with `kl_weight=0` (`training.trained_vae(training.TrainingConfig(kl_weight=0.0))`, about 10 seconds once, then cached) and decode a few random codes $z \\sim \\mathcal{N}(0, I)$. Why do they look worse than the VAE's?",
                   "Without the KL term nothing keeps $q(z \\mid x)$ near the prior: the encoder is free to spread the codes far from the origin (compare `z_mean.std(axis=0)` of the two models on the validation digits). Codes drawn from $\\mathcal{N}(0, I)$ then land where no training digit was encoded, and the decoder was never taught what to draw there: smudges. The KL term is what makes the prior a map of the space the decoder knows.")],
    "lesson_06": [("What happens far outside the prior? Decode a grid from $-6$ to $6$ on each axis and compare its edges with the quantile grid.",
                   "Near the origin the two grids agree. Far out, where the prior puts almost no mass and no training digit was encoded, the decoder extrapolates: strokes thicken and blur into blobs, and moving further changes little. The quantile grid never goes there, which is why it looks clean everywhere.")],
    "lesson_07": [("Does importance weighting rescue the \"as written\" model? Compare its negative ELBO with its $k = 1000$ estimate on the first 50 test digits.",
                   "Importance weighting tightens the bound for this model (the $k = 1000$ estimate is lower than its negative ELBO, printed above), but it cannot repair the model itself: trained with swapped cross-entropy arguments, its decoder learned the wrong likelihood, and its estimate stays far above the default model's. A tighter estimate of a bad model is still a bad model.")],
}

NAMES = ("np", "keras", "data", "losses", "sampling", "evaluation", "training", "models")


def imports_used(code):
    return [name for name in NAMES if f"{name}." in code]


def code_block(text):
    return f"```python\n{text}\n```"


def answer_cell(exercise, what):
    """``answer = ...`` with a comment; for a function exercise, the function's stub above it."""
    first_line = exercise.solution_code.splitlines()[0]
    if not first_line.startswith("def "):
        return f"answer = ...  # {what}"
    name = first_line[len("def "):].split("(")[0]
    return f"{first_line}\n    ...  # your code\n\n\nanswer = ...  # when your function is ready: answer = {name}"


def lesson_draft(module):
    short = module.__name__.rsplit(".", 1)[1]
    number = short.split("_")[1]
    exercises = [value for value in vars(module).values() if isinstance(value, checking.Exercise)]
    needed = sorted({name for exercise in exercises for name in imports_used(exercise.solution_code)})
    parts = [
        f"# Lesson {int(number)}: exercises, ready to insert\n",
        "Generated by `exercise_drafts/make_drafts.py` from `vae_lessons/exercises/"
        f"{short}.py`; paste the cells under the lesson's `## Exercises` heading, in this order.\n",
        "**Imports**: add to the lesson's import cell\n",
        code_block(f"from vae_lessons.exercises import {short}"),
        f"\nThe solution cells use: {', '.join(f'`{name}`' for name in needed)} (import those the lesson lacks).\n",
        "**Cell tags** (set them exactly):\n",
        "- question (markdown), answer cell, check cell: no tag;",
        "- solution cell: `[\"solution\", \"hide-cell\"]`. `solution` is what `make student-edition` "
        "removes; `hide-cell` collapses code *and* output in the book (myst-nb: `hide_mode = \"all\"`, "
        "one click to open). Replace today's `hide-input` solution cells with these.",
        "- worked answer of an open question (markdown): `[\"solution\"]`, written as a `dropdown` "
        "admonition so the book collapses it (sphinx-togglebutton).\n",
        "Rules: solution cells set `answer` and end with the check, which prints \"Correct. ...\" (nbval "
        "compares it); nothing after them may use a variable a solution cell defines (the student edition "
        "has no solution cells). The check cell under the student's answer prints \"Not attempted yet: ...\" "
        "in both editions.\n",
    ]
    for index, exercise in enumerate(exercises, start=1):
        question, what = QUESTIONS[exercise.name]
        call_name = exercise.name
        parts += [
            f"## Exercise {index} (`{call_name}`)\n",
            "Markdown cell (no tag):\n",
            f"```markdown\n**Exercise {index}.** {question}\n```\n",
            "Answer cell (no tag):\n",
            code_block(answer_cell(exercise, what)),
            "\nCheck cell (no tag):\n",
            code_block(f"{call_name}.check(answer)\n# Stuck? {call_name}.hint() (then hint(2), hint(3)); "
                       f"the solution: {call_name}.solution()"),
            "\nSolution cell, tags `[\"solution\", \"hide-cell\"]`:\n",
            code_block(f"{exercise.solution_code}\n{call_name}.check(answer)"),
            "",
        ]
    for question, worked in OPEN_QUESTIONS.get(short, []):
        parts += [
            "## Open question\n",
            "Markdown cell (no tag):\n",
            f"```markdown\n**Question.** {question}\n```\n",
            "Markdown cell, tags `[\"solution\"]`:\n",
            f"````markdown\n```{{admonition}} Worked answer\n:class: dropdown\n{worked}\n```\n````\n",
        ]
    return "\n".join(parts)


if __name__ == "__main__":
    for module in (lesson_01, lesson_02, lesson_03, lesson_04, lesson_05, lesson_06, lesson_07):
        short = module.__name__.rsplit(".", 1)[1]
        (HERE / f"{short}.md").write_text(lesson_draft(module))
        print("wrote", HERE / f"{short}.md")
