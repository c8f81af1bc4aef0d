"""Run every benchmark and write benchmarks/results/results.json and RESULTS.md.

Usage::

    python -m benchmarks.run_all                 # everything (about 35 minutes on 2 cores)
    python -m benchmarks.run_all --quick         # a smoke test: fewer digits and samples
    python -m benchmarks.run_all --only quality training_speed

Benchmarks (run by hand, never in the tests; timings are not asserted anywhere):

* ``quality``: test negative ELBO and importance-weighted -log p(x) of the default
  model and lessons 8 and 9's comparison models on the real MNIST test set when
  ``../shared/data/mnist-test`` exists (``benchmarks/quality.py``);
* ``training_speed``: samples per second for one epoch of the default model on each
  installed backend, as a fraction of a hand-written JAX epoch and of NumPy's matmul
  peak (``training_speed.py``); ``training_speed_conv``: the same for lesson 9's conv VAE;
* ``notebooks``: ``pytest --nbval notebooks`` on an empty and on a filled model cache,
  and each lesson alone with its slow cells (``notebook_suite.py``);
* ``suite``: the README's test command, ``pytest --nbval`` (every test and lesson but the
  browser tests), warm: its wall time, the machine's busy CPU-seconds, each file's
  seconds, the slowest files run alone, and CI's browser step, ``pytest -m browser``
  (``full_suite.py``);
* ``book``: seconds to build the HTML book and the site's size, via
  ``benchmarks/book_build.py`` when Jupyter Book is installed;
* ``explorer``: the latent explorer's slider-to-redraw latency in Chromium, via
  ``benchmarks/explorer_latency.py`` when ``/usr/bin/chromium`` exists.

The machine is shared: the load average before and after each benchmark is recorded
next to its result, so noisy timings can be recognised (and re-run when quiet).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
from benchmarks import full_suite, notebook_suite, quality, training_speed  # noqa: E402

NAMES = ("quality", "training_speed", "training_speed_conv", "notebooks", "suite", "book", "explorer", "scaling")


def machine() -> dict:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in ("keras", "jax", "tensorflow-cpu", "torch", "numpy"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "versions": versions,
    }


def book() -> dict:
    """The book's own benchmark, ``benchmarks/book_build.py``: build seconds and site size.

    "not measured" when there is no ``book/`` folder or Jupyter Book is not installed.
    """
    if not (REPO / "book").is_dir() or not _installed("jupyter-book"):
        return {"status": "not measured", "reason": "no book/ folder or jupyter-book not installed"}
    return _script_result("book_build.py", RESULTS / "book_build.json")


def explorer() -> dict:
    """The latent explorer's benchmark, ``benchmarks/explorer_latency.py``: slider change to redraw, in Chromium."""
    if not Path("/usr/bin/chromium").exists():
        return {"status": "not measured", "reason": "no /usr/bin/chromium"}
    return _script_result("explorer_latency.py", RESULTS / "explorer_latency.json")


def scaling() -> dict:
    """The distribution benchmark, ``benchmarks/scaling.py``: 1 vs 2 devices and processes."""
    return _script_result("scaling.py", RESULTS / "scaling.json")


def _script_result(script: str, output: Path) -> dict:
    process = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{Path(script).stem}"], capture_output=True, text=True, cwd=REPO
    )
    if process.returncode != 0:
        return {"status": "failed", "stderr": process.stderr.strip().splitlines()[-5:]}
    return {"status": "measured", **json.loads(output.read_text())}


def _installed(name: str) -> bool:
    try:
        importlib.metadata.version(name)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


def measured(function, *args):
    """Run one benchmark, recording wall time and the load average around it."""
    before = os.getloadavg()
    start = time.perf_counter()
    result = function(*args)
    return {
        "result": result,
        "wall_seconds": round(time.perf_counter() - start, 1),
        "load_average_before": [round(value, 2) for value in before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }


def markdown(results: dict) -> str:
    """A readable RESULTS.md from the results dict."""
    lines = [
        "# Benchmark results",
        "",
        "Run with `python -m benchmarks.run_all" + (" --quick" if results["quick"] else "")
        + f"` from {results['date']}; benchmarks re-run alone (`--only`, e.g. when the machine was quiet) "
        "carry their own date in the last table.",
        "",
        f"Machine: {results['machine']['cpu']}, {results['machine']['cpu_count']} cores "
        f"(shared with other developers), {results['machine']['platform']}, Python {results['machine']['python']}; "
        + ", ".join(f"{name} {version}" for name, version in results["machine"]["versions"].items()) + ".",
        "",
    ]
    benchmarks = results["benchmarks"]
    if "quality" in benchmarks:
        q = benchmarks["quality"]["result"]
        lines += [
            "## Quality (nats per digit, lower is better)",
            "",
            f"Test set: {q['test_set']}. Backend {q['backend']}, seed {q['seed']}. {q['note']}.",
            "",
            "| model | latent_dim | negative ELBO | reconstruction | KL | importance-weighted -log p(x) | active dims |",
            "|---|---|---|---|---|---|---|",
        ]
        for m in q["models"]:
            iw = ", ".join(f"{value:.1f} (k={k})" for k, value in m["importance_weighted"].items())
            lines.append(
                f"| {m['model']} | {m['latent_dim']} | {m['negative_elbo']:.1f} ± {m['standard_error']:.1f} | "
                f"{m['reconstruction']:.1f} | {m['kl']:.1f} | {iw} | {m['active_dimensions']} |"
            )
        lines += [""]
    for speed in ("training_speed", "training_speed_conv"):
        if speed not in benchmarks:
            continue
        t = benchmarks[speed]["result"]
        peak = t["matmul_peak"]
        lines += [
            f"## Training speed: {t['model']}",
            "",
            f"FLOPs per training sample: {t['training_flops_per_sample']:,} ({t['flops_note']}). "
            f"NumPy {peak['numpy']} float32 matmul peak measured in the same run: {peak['model_shapes_gflops']} GFLOP/s "
            f"at the model's shapes (batch 32), {peak['square_2048_gflops']} GFLOP/s at 2048x2048. "
            "Each backend's settings were timed in turn in one process (median epoch)"
            + ("; the JAX reference is the same training step written by hand in JAX, one `lax.scan` XLA program "
               "per epoch." if speed == "training_speed" else "."),
            "",
            "| backend | version | setting | samples/s (median epoch) | of the JAX reference | samples/s (best epoch) | of the reference (best) | first epoch, with compilation (s) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for b in t["backends"]:
            if "error" in b:
                lines.append(f"| {b['backend']} | | failed: {' '.join(b['error'])} | | | | |")
                continue
            fractions = b.get("fraction_of_jax_reference", {})
            best_fractions = b.get("fraction_of_jax_reference_best_epochs", {})
            for name, setting in b["settings"].items():
                fraction = f"{fractions[name]:.0%}" if name in fractions else ""
                best_fraction = f"{best_fractions[name]:.0%}" if name in best_fractions else ""
                lines.append(
                    f"| {b['backend']} | {b['version']} | {name} | {setting['samples_per_second']:,} | {fraction} | "
                    f"{setting['best_samples_per_second']:,} | {best_fraction} | {setting['first_epoch_seconds']:.1f} |"
                )
        lines += ["", "At the package's setting (what `training.fit` runs):", "",
                  "| backend | GFLOP/s | fraction of model-shape peak | fraction of 2048² peak |", "|---|---|---|---|"]
        for b in t["backends"]:
            if "error" not in b:
                lines.append(f"| {b['backend']} | {b['achieved_gflops']:.1f} | {b['fraction_of_model_shape_peak']:.0%} | "
                             f"{b['fraction_of_square_peak']:.0%} |")
        lines += [""]
    if "notebooks" in benchmarks:
        n = benchmarks["notebooks"]["result"]
        lines += ["## Notebook suite", "", f"`{n['pytest_command']}`; per lesson: {n['lesson_command']}.", ""]
        runs = [name for name in ("cold", "warm") if name in n]
        lines += ["| | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]
        lines.append("| **pytest --nbval notebooks** | " + " | ".join(
            f"**{n[run]['pytest']['seconds']:.1f}**" + ("" if n[run]["pytest"]["passed"] else " (failed)") for run in runs) + " |")
        lessons = sorted({name for run in runs for name in n[run]["lessons"]})
        for name in lessons:
            lines.append(f"| {name} | " + " | ".join(
                f"{n[run]['lessons'][name]['seconds']:.1f} (kernel start {n[run]['lessons'][name]['kernel_start_seconds']:.1f})"
                if name in n[run]["lessons"] else "failed" for run in runs) + " |")
        lines.append("| lessons one after another | " + " | ".join(f"{n[run]['total_seconds']:.1f}" for run in runs) + " |")
        if any(n[run]["pytest"].get("busy_cpu_seconds") for run in runs):
            lines.append("| busy CPU-seconds of the machine during pytest --nbval notebooks | " + " | ".join(
                f"{n[run]['pytest']['busy_cpu_seconds']:.0f}" if n[run]["pytest"].get("busy_cpu_seconds") else "" for run in runs) + " |")
        if "warm" in n:
            lines += ["", f"Cells slower than {n['slow_cell_seconds']} s, warm:", ""] + slow_cells_table(n["warm"]["lessons"])
        if "cold" in n:
            lines += ["", (f"Cells slower than {COLD_CELL_SECONDS:g} s on an empty cache (the lessons one after another, each "
                           "on a fresh kernel, sharing one new cache, so a model is trained where it is first used, and JAX "
                           "compiles what a warm cache holds compiled), with what each cell's own comment says an empty cache "
                           "costs (for the lesson run alone on an empty cache):"), ""]
            lines += slow_cells_table(n["cold"]["lessons"], COLD_CELL_SECONDS, notes=True)
        lines += [""]
    if "suite" in benchmarks:
        lines += suite_markdown(benchmarks["suite"]["result"])
    if "book" in benchmarks:
        b = benchmarks["book"]["result"]
        lines += ["## Book build", ""]
        if b["status"] == "measured":
            site = b["site"]
            lines += [f"Built in {b['build_seconds']} s (`benchmarks/book_build.py`, front-end assets already fetched): "
                      f"{site['total_bytes'] / 1e6:.1f} MB in {site['files']} files, {site['pages']} pages.", ""]
        else:
            lines += [f"Not measured ({b.get('reason') or b.get('stderr')}).", ""]
    if "explorer" in benchmarks:
        e = benchmarks["explorer"]["result"]
        lines += ["## Latent explorer: slider change to redrawn image, in headless Chromium", ""]
        if e["status"] == "measured":
            lines += ["```", json.dumps({key: value for key, value in e.items() if key not in ("status", "machine")}, indent=1), "```", ""]
        else:
            lines += [f"Not measured ({e.get('reason') or e.get('stderr')}).", ""]
    lines += ["## When each ran, and the load average around it (1, 5, 15 minutes)", "",
              "| benchmark | date | wall (s) | before | after |", "|---|---|---|---|---|"]
    for name, entry in benchmarks.items():
        lines.append(f"| {name} | {entry.get('date', results['date'])} | {entry['wall_seconds']} | "
                     f"{entry['load_average_before']} | {entry['load_average_after']} |")
    lines += ["", "A load average above the core count means other work shared the CPU: timings are then pessimistic.", ""]
    return "\n".join(lines)


COLD_CELL_SECONDS = 2.0
"""The slow cells RESULTS.md lists from the cold run: above the imports (about 2 s), mostly the cells that train."""


def slow_cells_table(lessons: dict, slower_than: float = 0.0, notes: bool = False) -> list[str]:
    """A table of each lesson's slow cells (``notebook_suite.time_notebook``'s), slowest first;
    with ``notes``, what each cell says an empty cache costs (its ``cache_note``) too."""
    lines = ["| lesson | cell | seconds | first line |" + (" the cell's own note |" if notes else ""),
             "|---|---|---|---|" + ("---|" if notes else "")]  # fmt: skip
    for name, lesson in lessons.items():
        for cell in sorted(lesson["slow_cells"], key=lambda cell: -cell["seconds"]):
            if cell["seconds"] > slower_than:
                row = f"| {name} | {cell['cell']} | {cell['seconds']:.1f} | `{cell['first_line'].replace('|', '/')}` |"
                lines.append(row + (f" {cell.get('cache_note', '').replace('|', '/')} |" if notes else ""))
    return lines


def suite_markdown(s: dict) -> list[str]:
    """The test-suite section of RESULTS.md (``full_suite.run``'s result)."""
    suite = s["suite"]
    lines = ["## The test suite (`make test`)", "", f"`{s['command']}` ({s['note']}), on {s['cpu_count']} cores: "
             f"**{suite['seconds']:.1f} s**" + ("" if suite["passed"] else " (failed)") + f" ({suite['summary']})."]
    if suite["busy_cpu_seconds"] is not None:
        lines[-1] += (f" The machine was busy for {suite['busy_cpu_seconds']:.0f} CPU-seconds meanwhile, "
                      f"{suite['busy_cpu_seconds'] / suite['seconds']:.2f} of its {s['cpu_count']} cores on average.")
    lines += ["", ("Files with the most test seconds (setup and teardown included) in that run, where they share the "
                   "cores; the slowest also alone (`pytest -n 0 FILE`), with the busy CPU-seconds each costs the machine "
                   "(its kernels, browsers and servers included):"), "",
              "| file | seconds in the suite | alone: seconds | alone: busy CPU-seconds |", "|---|---|---|---|"]
    for name, seconds in list(s["seconds_by_file"].items())[:12]:
        alone = s["alone"].get(name)
        cells = [f"{alone['seconds']:.1f}", "" if alone["busy_cpu_seconds"] is None else f"{alone['busy_cpu_seconds']:.0f}"] if alone else ["", ""]
        lines.append(f"| {name} | {seconds:.1f} | " + " | ".join(cells) + " |")
    rest = sum(list(s["seconds_by_file"].values())[12:])
    lines += [f"| the other {max(len(s['seconds_by_file']) - 12, 0)} files | {rest:.1f} | | |", ""]
    browsers = s.get("browsers")  # absent from runs made before the browser tests left `make test`
    if browsers:
        cpu = "" if browsers["busy_cpu_seconds"] is None else f", {browsers['busy_cpu_seconds']:.0f} busy CPU-seconds"
        lines += [("The browser tests, which `pytest --nbval` leaves out and CI runs next (`make test-browsers`: "
                   f"`pytest -m browser`): **{browsers['seconds']:.1f} s**" + ("" if browsers["passed"] else " (failed)")
                   + f" ({browsers['summary']}){cpu}."), ""]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: fewer digits, samples and repeats")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--markdown-only", action="store_true", help="rewrite RESULTS.md from results.json")
    args = parser.parse_args(argv)
    if args.markdown_only:
        (RESULTS / "RESULTS.md").write_text(markdown(json.loads((RESULTS / "results.json").read_text())))
        return 0
    runners = {
        "quality": (quality.run, args.quick),
        "training_speed": (training_speed.run, 1 if args.quick else 3),
        "training_speed_conv": (training_speed.run, 1 if args.quick else 3, "conv"),
        "notebooks": (notebook_suite.run, not args.quick),  # --quick: warm runs only
        "suite": (full_suite.run, 0 if args.quick else full_suite.ALONE_FILES),
        "book": (book,),
        "explorer": (explorer,),
        "scaling": (scaling,),
    }
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    results = {"date": now, "quick": args.quick, "machine": machine(), "benchmarks": {}}
    previous = RESULTS / "results.json"
    if set(args.only) != set(NAMES) and previous.is_file():
        # A partial re-run (e.g. of the timings, when the machine is quiet) keeps the rest.
        kept = json.loads(previous.read_text())
        if kept.get("quick") == args.quick:
            results["benchmarks"] = kept.get("benchmarks", {})
            results["date"] = kept.get("date", now)
    for name in args.only:
        print(f"{name} ...", flush=True)
        function, *function_args = runners[name]
        results["benchmarks"][name] = {"date": now, **measured(function, *function_args)}
        print(f"{name}: {results['benchmarks'][name]['wall_seconds']} s", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / "RESULTS.md").write_text(markdown(results))
    print(f"wrote {(RESULTS / 'results.json').relative_to(REPO)} and {(RESULTS / 'RESULTS.md').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
