"""Alternative text for figures: written where a figure is made, carried to every reader.

A screen reader cannot see a plot; it reads the image's alternative text. The lessons'
figures get theirs where they are drawn::

    figure = Figure()
    ...
    return alt_text.describe(figure, "Scatter of 1,000 test digits' codes, coloured by label")

and the description travels with the figure's PNG output:

* in the notebook, as the output's metadata ``{"image/png": {"alt": "..."}}`` (the
  PNG display hook returns ``(png, metadata)``, IPython's way to attach metadata to
  one output format) and as the output's ``text/plain`` (which ``pytest --nbval``
  compares, so a description cannot drift from its figure unnoticed; front ends
  without images show it);
* in the book, as ``<img alt="...">`` (``book/_ext/offline_book.py`` passes the
  metadata's ``alt`` on to the image; myst-nb itself takes only width and height).

Descriptions are kept in a weak mapping from figure to text, not on the figure: a
figure that is garbage-collected takes its description with it.
"""

from __future__ import annotations

import weakref

from vae_lessons import validation

_DESCRIPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def describe(figure, text):
    """Attach alternative text to ``figure``; returns the figure.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    text : str
        What the figure shows, in a sentence or two: the kind of plot, what is on its
        axes, and the point it makes (not its file name, not "a plot").

    Returns
    -------
    figure : matplotlib.figure.Figure
        The same figure, so a plotting function can ``return describe(figure, ...)``.
    """
    from matplotlib.figure import Figure

    if not isinstance(figure, Figure):
        raise TypeError(
            validation.message("figure", "a matplotlib Figure", figure)
        )
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            validation.message(
                "text",
                "a non-empty description of what the figure shows",
                text,
            )
        )
    _DESCRIPTIONS[figure] = " ".join(
        text.split()
    )  # one line: it becomes an HTML attribute
    return figure


def alt_text(figure):
    """The description given to ``figure`` with :func:`describe`, or None."""
    try:
        return _DESCRIPTIONS.get(figure)
    except TypeError:  # not weak-referenceable: never described
        return None


def png_with_alt(figure):
    """The PNG display of ``figure`` for IPython, with its alternative text as metadata.

    Returns
    -------
    png : str, or (str, dict)
        Base64 PNG as IPython's own figure display makes it; with a description,
        ``(png, {"alt": text})``, the pair IPython stores as the output's data and metadata.
    """
    from IPython.core.pylabtools import print_figure

    png = print_figure(figure, "png", base64=True)
    text = alt_text(figure)
    return png if text is None else (png, {"alt": text})


def _plain_text(figure, printer, cycle):
    text = alt_text(figure)
    printer.text(text if text is not None else repr(figure))


def register_display(shell):
    """Show Figures as PNG in ``shell`` (an IPython shell), with their alternative text.

    PNG, not SVG: its bytes are stable from run to run.
    """
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib.figure import Figure

    try:  # configures the inline backend once, on first import: do it before us,
        import matplotlib_inline.backend_inline  # noqa: F401  (or ipywidgets'
    except (
        ImportError
    ):  # interact, importing it later, would reset our formats)
        pass
    select_figure_formats(shell, {"png"})
    formatters = shell.display_formatter.formatters
    formatters["image/png"].for_type(Figure, png_with_alt)
    formatters["text/plain"].for_type(Figure, _plain_text)
