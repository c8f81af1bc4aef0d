// The latent explorer's front end (an anywidget module). See vae_lessons/widgets.py.
//
// It draws everything the reader touches: one labelled range input per shown latent
// dimension, the decoded 28x28 digit, the reset and random-z buttons and the example
// digits; it decodes z with the decoder's packed weights in the browser, so it also
// works in the static book where no kernel runs. The model holds one list, `z`; every
// control sets it, and every change of it moves the sliders, redraws the digit and
// updates a live text ("z = (0.50, -1.00)") that screen readers announce.
//
// The forward pass, the same as decode_with_packed_weights in widgets.py:
//   hidden = relu(z @ hidden_kernel + hidden_bias)                (latent_dim) -> (hidden_units)
//   x = sigmoid((hidden @ output_kernel_int8) * output_scale + output_bias)    -> (784)
// and each pixel is painted as gray = round(255 * (1 - x)): ink dark on white.
// Nothing is hidden: a NaN stays NaN (then the explorer shows an error, not a grey
// square), and a z of the wrong length or holding anything but finite numbers is refused.
//
// A conditional VAE's decoder reads concat([z, one_hot(label)]) (packed condition_dim
// 10, hidden_kernel with 10 more rows): the explorer adds a label chooser (buttons 0-9
// in a named group, aria-pressed on the chosen one) and the model one more value,
// `label`; the one-hot input adds row latent_dim + label of hidden_kernel to the sum.

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const FORMAT = "vae-lessons-mlp-decoder-int8/1";
const DRAW_EVENT = "vae-latent-explorer:draw";

function bytesFromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function typedFromBase64(text, Type, length, name) {
  const bytes = bytesFromBase64(text);
  if (bytes.length !== length * Type.BYTES_PER_ELEMENT) {
    throw new Error(`latent explorer: ${name} has ${bytes.length} bytes, expected ${length * Type.BYTES_PER_ELEMENT}`);
  }
  const array = new Type(bytes.buffer, 0, length);
  if (!array.every(Number.isFinite)) throw new Error(`latent explorer: ${name} holds NaN or infinity`);
  return array;
}

const unpackedCache = new WeakMap(); // packed dict -> unpacked weights, shared by views

export function unpack(packed) {
  if (unpackedCache.has(packed)) return unpackedCache.get(packed);
  if (!packed || packed.format !== FORMAT) {
    throw new Error(`latent explorer: expected packed weights of format ${FORMAT}`);
  }
  const latentDim = packed.latent_dim;
  const hiddenUnits = packed.hidden_units;
  const conditionDim = packed.condition_dim === undefined ? 0 : packed.condition_dim; // absent: unconditional
  if (!Number.isInteger(latentDim) || latentDim < 1 || !Number.isInteger(hiddenUnits) || hiddenUnits < 1) {
    throw new Error("latent explorer: latent_dim and hidden_units must be positive integers");
  }
  if (!Number.isInteger(conditionDim) || conditionDim < 0) {
    throw new Error("latent explorer: condition_dim must be a non-negative integer");
  }
  const inputDim = latentDim + conditionDim;
  const weights = {
    latentDim,
    conditionDim,
    hiddenUnits,
    hiddenKernel: typedFromBase64(packed.hidden_kernel, Float32Array, inputDim * hiddenUnits, "hidden_kernel"),
    hiddenBias: typedFromBase64(packed.hidden_bias, Float32Array, hiddenUnits, "hidden_bias"),
    outputKernel: typedFromBase64(packed.output_kernel, Int8Array, hiddenUnits * PIXELS, "output_kernel"),
    outputScale: typedFromBase64(packed.output_scale, Float32Array, PIXELS, "output_scale"),
    outputBias: typedFromBase64(packed.output_bias, Float32Array, PIXELS, "output_bias"),
    hidden: new Float64Array(hiddenUnits), // scratch
    logits: new Float64Array(PIXELS), // scratch
  };
  unpackedCache.set(packed, weights);
  return weights;
}

// z as latentDim finite numbers, or an Error saying what is wrong with it.
export function checkZ(z, latentDim) {
  if (!Array.isArray(z) || z.length !== latentDim) {
    return new Error(`z must hold ${latentDim} numbers, got ${Array.isArray(z) ? z.length : typeof z}`);
  }
  if (!z.every((value) => typeof value === "number" && Number.isFinite(value))) {
    return new Error(`z must hold finite numbers, got ${JSON.stringify(z)}`);
  }
  return z;
}

// The label as an integer in 0..conditionDim-1 (a conditional decoder), null for an
// unconditional one, or an Error saying what is wrong with it.
export function checkLabel(label, conditionDim) {
  if (conditionDim === 0) {
    return label === null || label === undefined ? null : new Error(`this model is not conditional, got label ${JSON.stringify(label)}`);
  }
  if (!Number.isInteger(label) || label < 0 || label >= conditionDim) {
    return new Error(`label must be an integer in 0..${conditionDim - 1}, got ${JSON.stringify(label)}`);
  }
  return label;
}

// Decode one latent point z (array of latentDim numbers) into out (784 values in [0, 1]);
// a conditional decoder also takes the label (its input is concat([z, one_hot(label)])).
export function decode(weights, z, out, label = null) {
  const { latentDim, conditionDim, hiddenUnits, hiddenKernel, hiddenBias, outputKernel, outputScale, outputBias, hidden, logits } = weights;
  const checked = checkZ(z, latentDim);
  if (checked instanceof Error) throw checked;
  const checkedLabel = checkLabel(label, conditionDim);
  if (checkedLabel instanceof Error) throw checkedLabel;
  const labelRow = conditionDim ? (latentDim + checkedLabel) * hiddenUnits : -1; // the one-hot's 1 picks this row
  for (let unit = 0; unit < hiddenUnits; unit++) {
    let sum = 0;
    for (let dim = 0; dim < latentDim; dim++) sum += z[dim] * hiddenKernel[dim * hiddenUnits + unit];
    if (labelRow >= 0) sum += hiddenKernel[labelRow + unit]; // the one-hot's zeros add nothing
    sum += hiddenBias[unit];
    hidden[unit] = Math.max(sum, 0); // relu; Math.max keeps a NaN a NaN
  }
  logits.fill(0);
  for (let unit = 0; unit < hiddenUnits; unit++) {
    const activation = hidden[unit];
    if (activation === 0) continue; // relu zeros: skip the whole row
    const row = unit * PIXELS;
    for (let pixel = 0; pixel < PIXELS; pixel++) logits[pixel] += activation * outputKernel[row + pixel];
  }
  for (let pixel = 0; pixel < PIXELS; pixel++) {
    out[pixel] = 1 / (1 + Math.exp(-(logits[pixel] * outputScale[pixel] + outputBias[pixel]))); // sigmoid
  }
  return out;
}

function paint(context, image, pixels) {
  for (let pixel = 0; pixel < PIXELS; pixel++) {
    const gray = Math.round(255 * (1 - pixels[pixel]));
    image.data[4 * pixel] = gray;
    image.data[4 * pixel + 1] = gray;
    image.data[4 * pixel + 2] = gray;
    image.data[4 * pixel + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function makeElement(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function makeCanvas(className) {
  const canvas = makeElement("canvas", className);
  canvas.width = SIDE;
  canvas.height = SIDE;
  return canvas;
}

function standardNormal() {
  // Box-Muller; 1 - random() lies in (0, 1], so the log is finite
  const radius = Math.sqrt(-2 * Math.log(1 - Math.random()));
  return radius * Math.cos(2 * Math.PI * Math.random());
}

export function describeZ(z) {
  return `z = (${z.map((value) => value.toFixed(2)).join(", ")})`;
}

// The live text: "z = (0.50, -1.00)", or "digit 7, z = (0.50, -1.00)" for a conditional model.
export function describeState(z, label) {
  return label === null || label === undefined ? describeZ(z) : `digit ${label}, ${describeZ(z)}`;
}

let instances = 0; // unique ids for label/for pairs when a page shows several explorers

function render({ model, el }) {
  el.classList.add("vae-latent-explorer");
  const error = makeElement("p", "vae-latent-explorer__error");
  error.setAttribute("role", "alert");
  const fail = (problem) => {
    error.textContent = `The latent explorer cannot draw: ${problem.message}`;
    el.dataset.error = problem.message;
    el.replaceChildren(error);
  };
  let weights;
  try {
    weights = unpack(model.get("packed_decoder"));
  } catch (problem) {
    fail(problem);
    return undefined;
  }
  const latentDim = weights.latentDim;
  const conditionDim = weights.conditionDim;
  const instance = ++instances;
  const labels = model.get("dimension_labels") || [];
  const labelOf = (dim) => labels[dim] || `z${dim + 1}`;
  const range = () => model.get("z_range");
  const currentZ = () => {
    const z = model.get("z");
    return Array.isArray(z) ? z : Array(latentDim).fill(0); // an embedding may drop defaults
  };
  const currentLabel = () => {
    const label = model.get("label");
    return conditionDim && (label === null || label === undefined) ? 0 : label; // an embedding may drop defaults
  };
  const setZ = (values) => {
    const checked = checkZ(values, latentDim);
    if (checked instanceof Error) return fail(checked);
    model.set("z", values.slice());
    model.save_changes();
  };
  const setLabel = (label) => {
    const checked = checkLabel(label, conditionDim);
    if (checked instanceof Error) return fail(checked);
    model.set("label", checked);
    model.save_changes();
  };

  // The digit, and the live text under it.
  const figure = makeElement("div", "vae-latent-explorer__figure");
  const size = `${model.get("image_size")}px`;
  const canvas = makeCanvas("vae-latent-explorer__canvas");
  canvas.style.width = size;
  canvas.style.height = size;
  canvas.setAttribute("role", "img");
  canvas.setAttribute(
    "aria-label",
    conditionDim ? "The digit the decoder draws for the chosen label and the current z" : "The digit the decoder draws for the current z",
  );
  const status = makeElement("p", "vae-latent-explorer__status");
  status.setAttribute("aria-live", "polite");
  status.setAttribute("aria-atomic", "true");
  figure.append(canvas, status);
  const context = canvas.getContext("2d");
  const image = context.createImageData(SIDE, SIDE);
  const pixels = new Float64Array(PIXELS);

  // The sliders: native range inputs, each named by its label (z₁, z₂, ...).
  const sliderBox = makeElement("div", "vae-latent-explorer__sliders");
  sliderBox.setAttribute("role", "group");
  sliderBox.setAttribute("aria-label", "Latent code z");
  let sliders = new Map(); // dimension -> {input, output}
  const buildSliders = () => {
    sliders = new Map();
    const rows = (model.get("dimensions") || []).filter((dim) => Number.isInteger(dim) && dim >= 0 && dim < latentDim);
    sliderBox.replaceChildren(
      ...rows.map((dim) => {
        const id = `vae-latent-explorer-${instance}-z${dim}`;
        const row = makeElement("div", `vae-latent-explorer__slider vae-latent-explorer__slider-${dim}`);
        const label = makeElement("label", "vae-latent-explorer__slider-label", labelOf(dim));
        label.htmlFor = id;
        const input = makeElement("input");
        input.type = "range";
        input.id = id;
        input.min = String(-range());
        input.max = String(range());
        input.step = String(model.get("step"));
        input.dataset.dimension = String(dim);
        input.setAttribute("data-lm-suppress-shortcuts", "true"); // see the keydown handler below
        const output = makeElement("output", "vae-latent-explorer__readout");
        output.htmlFor = id;
        input.addEventListener("input", () => {
          const z = currentZ().slice();
          z[dim] = Number(input.value);
          setZ(z);
        });
        row.append(label, input, output);
        sliders.set(dim, { input, output });
        return row;
      }),
    );
  };

  // A conditional model's label chooser: one toggle button per class, in a named group.
  const labelBox = makeElement("div", "vae-latent-explorer__labels");
  const labelButtons = [];
  if (conditionDim) {
    const captionId = `vae-latent-explorer-${instance}-labels`;
    const caption = makeElement("div", "vae-latent-explorer__caption", "Digit to draw (label):");
    caption.id = captionId;
    const row = makeElement("div", "vae-latent-explorer__label-row");
    row.setAttribute("role", "group");
    row.setAttribute("aria-labelledby", captionId);
    for (let label = 0; label < conditionDim; label++) {
      const button = makeElement("button", "vae-latent-explorer__label-choice", String(label));
      button.type = "button";
      button.dataset.label = String(label);
      button.title = `Draw a ${label}: the decoder reads z and the label ${label}`;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => setLabel(label));
      labelButtons.push(button);
      row.append(button);
    }
    labelBox.append(caption, row);
  }

  // The buttons and the example digits.
  const buttons = makeElement("div", "vae-latent-explorer__buttons");
  const reset = makeElement("button", "vae-latent-explorer__reset", "Reset z = 0");
  reset.type = "button";
  reset.title = "Set every latent dimension to 0, the prior's mean";
  reset.addEventListener("click", () => setZ(Array(latentDim).fill(0)));
  const random = makeElement("button", "vae-latent-explorer__random", "Random z");
  random.type = "button";
  random.title = "Draw z from the prior N(0, I)";
  random.addEventListener("click", () => {
    const step = model.get("step");
    setZ(Array.from({ length: latentDim }, () => {
      const value = Math.min(range(), Math.max(-range(), standardNormal()));
      return Number((Math.round(value / step) * step).toFixed(6));
    }));
  });
  buttons.append(reset, random);

  const examplesBox = makeElement("div", "vae-latent-explorer__examples");
  const examples = model.get("examples") || [];
  if (examples.length) {
    const captionId = `vae-latent-explorer-${instance}-examples`;
    const caption = makeElement("div", "vae-latent-explorer__caption", "Start from a real digit:");
    caption.id = captionId;
    const row = makeElement("div", "vae-latent-explorer__example-row");
    row.setAttribute("role", "group");
    row.setAttribute("aria-labelledby", captionId);
    examples.forEach((example, index) => {
      const button = makeElement("button", "vae-latent-explorer__example");
      button.type = "button";
      button.dataset.index = String(index);
      const label = example.label === null || example.label === undefined ? `#${index + 1}` : String(example.label);
      // The name starts with the visible text, as WCAG's "label in name" asks.
      button.setAttribute("aria-label", `${label}: start from this digit's code`);
      button.title = `Start from this digit: set z to its encoder mean (label ${label})`;
      const thumbnail = makeCanvas("vae-latent-explorer__thumbnail");
      thumbnail.setAttribute("aria-hidden", "true");
      const thumbnailContext = thumbnail.getContext("2d");
      const bytes = bytesFromBase64(example.image);
      paint(thumbnailContext, thumbnailContext.createImageData(SIDE, SIDE), Array.from(bytes, (value) => value / 255));
      button.append(thumbnail, makeElement("span", "vae-latent-explorer__label", label));
      button.addEventListener("click", () => {
        // a conditional example sets its label too: its z is the encoder mean given that label
        if (conditionDim) model.set("label", example.label);
        setZ(example.z);
      });
      row.append(button);
    });
    examplesBox.append(caption, row);
  }

  // Keys pressed on the explorer's own controls stay with them: JupyterLab and Notebook 7
  // bind arrow keys and Enter to notebook commands (ArrowLeft collapses to the heading
  // above, Enter edits the cell), which would fire instead of moving a slider or
  // pressing a button. Lumino (their shortcut engine) skips elements marked
  // data-lm-suppress-shortcuts; other front ends that listen on the page get no keydown
  // from them. Tab and Escape still reach the page.
  el.addEventListener("keydown", (event) => {
    if (event.key !== "Tab" && event.key !== "Escape" && event.target.closest("input, button")) {
      event.stopPropagation();
    }
  });

  const controls = makeElement("div", "vae-latent-explorer__controls");
  if (conditionDim) controls.append(labelBox);
  controls.append(sliderBox, buttons, examplesBox);
  el.replaceChildren(figure, controls);
  buildSliders();
  el.querySelectorAll("button").forEach((button) => button.setAttribute("data-lm-suppress-shortcuts", "true"));

  let drawCount = 0;
  const draw = () => {
    const start = performance.now();
    const z = checkZ(currentZ(), latentDim);
    if (z instanceof Error) return fail(z);
    const label = checkLabel(currentLabel(), conditionDim);
    if (label instanceof Error) return fail(label);
    decode(weights, z, pixels, label);
    if (!pixels.every(Number.isFinite)) return fail(new Error(`the decoder gave NaN for ${describeState(z, label)}`));
    paint(context, image, pixels);
    for (const [dim, { input, output }] of sliders) {
      input.value = String(z[dim]);
      output.textContent = z[dim].toFixed(2);
    }
    labelButtons.forEach((button, index) => button.setAttribute("aria-pressed", String(index === label)));
    status.textContent = describeState(z, label);
    drawCount += 1;
    canvas.dataset.z = JSON.stringify(z);
    if (conditionDim) canvas.dataset.label = String(label);
    canvas.dataset.drawCount = String(drawCount);
    const end = performance.now();
    el.dispatchEvent(new CustomEvent(DRAW_EVENT, { bubbles: true, detail: { start, end, z, label } }));
    return undefined;
  };
  const redrawSliders = () => {
    buildSliders();
    draw();
  };
  model.on("change:z", draw);
  model.on("change:label", draw);
  model.on("change:dimensions", redrawSliders);
  draw();
  return () => {
    model.off("change:z", draw);
    model.off("change:label", draw);
    model.off("change:dimensions", redrawSliders);
  };
}

export default { render };
