// Loaded on pages with widgets, after RequireJS and before the html-manager's embedder
// (see `nb_ipywidgets_js` in _config.yml). It tells RequireJS where the site's own
// copies of third-party widget front ends live, so no widget module comes from a CDN.
// The files under vendor/ are fetched at build time by scripts/build_book.py.
(function () {
  "use strict";
  var script = document.currentScript;
  // This file is _static/offline/widgets-config.js; the vendor folder is its sibling.
  var vendor = script.src.replace(/offline\/widgets-config\.js(\?.*)?$/, "vendor/");
  // The embedder's own files (Font Awesome fonts for widget icons) are looked up here.
  window.__jupyter_widgets_assets_path__ = vendor + "html-manager/";
  window.requirejs.config({
    paths: {
      // The embedder defines @jupyter-widgets/{base,controls,output,html-manager} itself;
      // these paths only place those modules in vendor/html-manager/, where their CSS
      // finds its fonts (each bundle resolves its assets from its module's URL).
      "@jupyter-widgets": vendor + "html-manager",
      "@jupyter-widgets/html-manager/dist": vendor + "html-manager",
      // anywidget's AMD front end, from the anywidget wheel's nbextension folder.
      anywidget: vendor + "anywidget/index",
    },
  });

  // ipywidgets' controls typeset widget labels with MathJax 2's `MathJax.Hub.Queue`
  // when a MathJax is on the page; the book serves MathJax 3, which has no `Hub`, so
  // every labelled widget would throw. Map that call onto MathJax 3's typesetPromise.
  // (Registered now, so it runs before the embedder's own "load" handler renders.)
  window.addEventListener("load", function () {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub) return;
    mathjax.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        var ready = (mathjax.startup && mathjax.startup.promise) || Promise.resolve();
        ready.then(function () {
          if (element && mathjax.typesetPromise) return mathjax.typesetPromise([element]);
        });
      },
    };
  });

  // Accessibility of what the embedder draws (axe-core checks it in tests/test_book.py):
  // * ipywidgets' sliders (noUiSlider) give their handle role="slider" but no name:
  //   name each handle by its widget's visible label (e.g. "z_1"), as a <label> would.
  // * An Output widget's images (e.g. ipywidgets.interact's figure) are drawn by
  //   JupyterLab's renderer, which ignores the output's metadata: copy the "alt" that
  //   the notebook stored with each image (vae_lessons.alt_text) from the widget state.
  function imageDescriptions() {
    var descriptions = {};
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]').forEach(function (tag) {
      var models;
      try {
        models = (JSON.parse(tag.textContent) || {}).state || {};
      } catch (error) {
        return; // the embedder reports a broken state itself
      }
      Object.keys(models).forEach(function (id) {
        ((models[id].state || {}).outputs || []).forEach(function (output) {
          var data = output.data || {};
          var metadata = output.metadata || {};
          Object.keys(data).forEach(function (mime) {
            if (mime.indexOf("image/") === 0 && metadata[mime] && metadata[mime].alt) {
              descriptions["data:" + mime + ";base64," + data[mime]] = metadata[mime].alt;
            }
          });
        });
      });
    });
    return descriptions;
  }

  function labelWidgets(descriptions) {
    document.querySelectorAll(".widget-slider .noUi-handle:not([aria-label])").forEach(function (handle) {
      var widget = handle.closest(".widget-slider");
      var label = widget && widget.querySelector(".widget-label");
      if (label && label.textContent.trim()) handle.setAttribute("aria-label", label.textContent.trim());
    });
    document.querySelectorAll(".jp-RenderedImage img:not([alt])").forEach(function (image) {
      var alt = descriptions[image.getAttribute("src")];
      if (alt) image.setAttribute("alt", alt);
    });
  }

  window.addEventListener("load", function () {
    var descriptions = imageDescriptions();
    labelWidgets(descriptions);
    new MutationObserver(function () {
      labelWidgets(descriptions);
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
