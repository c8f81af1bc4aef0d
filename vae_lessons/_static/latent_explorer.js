// The latent explorer's front end (an anywidget module). See vae_lessons/widgets.py.
//
// It decodes z with the decoder's packed weights and draws the 28x28 digit, all in the
// browser, so it also works in the static book where no kernel runs. The model holds
// one float trait per latent dimension, z_0, z_1, ...; ipywidgets sliders are linked to
// them with jslink. The buttons (reset, random z, start from a real digit) set those
// traits here, and the links move the sliders.
//
// The forward pass, the same as decode_with_packed_weights in widgets.py:
//   hidden = relu(z @ hidden_kernel + hidden_bias)                (latent_dim) -> (hidden_units)
//   x = sigmoid((hidden @ output_kernel_int8) * output_scale + output_bias)    -> (784)
// and each pixel is painted as gray = round(255 * (1 - x)): ink dark on white.

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
  return new Type(bytes.buffer, 0, length);
}

const unpackedCache = new WeakMap(); // packed dict -> unpacked weights, shared by views

export function unpack(packed) {
  if (unpackedCache.has(packed)) return unpackedCache.get(packed);
  if (!packed || packed.format !== FORMAT) {
    throw new Error(`latent explorer: expected packed weights of format ${FORMAT}`);
  }
  const latentDim = packed.latent_dim;
  const hiddenUnits = packed.hidden_units;
  const weights = {
    latentDim,
    hiddenUnits,
    hiddenKernel: typedFromBase64(packed.hidden_kernel, Float32Array, latentDim * hiddenUnits, "hidden_kernel"),
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

// Decode one latent point z (array of latentDim numbers) into out (784 values in [0, 1]).
export function decode(weights, z, out) {
  const { latentDim, hiddenUnits, hiddenKernel, hiddenBias, outputKernel, outputScale, outputBias, hidden, logits } = weights;
  for (let unit = 0; unit < hiddenUnits; unit++) {
    let sum = 0;
    for (let dim = 0; dim < latentDim; dim++) sum += z[dim] * hiddenKernel[dim * hiddenUnits + unit];
    sum += hiddenBias[unit];
    hidden[unit] = sum > 0 ? sum : 0; // relu
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

function render({ model, el }) {
  const weights = unpack(model.get("packed_decoder"));
  const latentDim = weights.latentDim;
  const names = Array.from({ length: latentDim }, (_, dim) => `z_${dim}`);
  const currentZ = () => names.map((name) => model.get(name) ?? 0); // an embedding may drop defaults
  const setZ = (values) => {
    names.forEach((name, dim) => model.set(name, values[dim]));
    model.save_changes();
  };

  el.classList.add("vae-latent-explorer");
  const size = `${model.get("image_size")}px`;
  const canvas = makeCanvas("vae-latent-explorer__canvas");
  canvas.style.width = size;
  canvas.style.height = size;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "The digit the decoder draws for the current z");
  const context = canvas.getContext("2d");
  const image = context.createImageData(SIDE, SIDE);
  const pixels = new Float64Array(PIXELS);

  const buttons = makeElement("div", "vae-latent-explorer__buttons");
  const reset = makeElement("button", "vae-latent-explorer__reset", "Reset z = 0");
  reset.title = "Set every latent dimension to 0, the prior's mean";
  reset.addEventListener("click", () => setZ(names.map(() => 0)));
  const random = makeElement("button", "vae-latent-explorer__random", "Random z");
  random.title = "Draw z from the prior N(0, I)";
  random.addEventListener("click", () => {
    const range = model.get("z_range");
    const step = model.get("step");
    setZ(names.map(() => {
      const value = Math.min(range, Math.max(-range, standardNormal()));
      return Number((Math.round(value / step) * step).toFixed(6));
    }));
  });
  buttons.append(reset, random);

  const examplesBox = makeElement("div", "vae-latent-explorer__examples");
  const examples = model.get("examples") || [];
  if (examples.length) {
    examplesBox.append(makeElement("div", "vae-latent-explorer__caption", "Start from a real digit:"));
    const row = makeElement("div", "vae-latent-explorer__example-row");
    examples.forEach((example, index) => {
      const button = makeElement("button", "vae-latent-explorer__example");
      button.dataset.index = String(index);
      const label = example.label === null || example.label === undefined ? `#${index}` : String(example.label);
      button.title = `Start from this digit: set z to its encoder mean (label ${label})`;
      const thumbnail = makeCanvas("vae-latent-explorer__thumbnail");
      const bytes = bytesFromBase64(example.image);
      const thumbnailContext = thumbnail.getContext("2d");
      paint(thumbnailContext, thumbnailContext.createImageData(SIDE, SIDE), Array.from(bytes, (value) => value / 255));
      button.append(thumbnail, makeElement("span", "vae-latent-explorer__label", label));
      button.addEventListener("click", () => setZ(example.z));
      row.append(button);
    });
    examplesBox.append(row);
  }

  const controls = makeElement("div", "vae-latent-explorer__controls");
  controls.style.width = size; // as wide as the image: the example digits wrap under it
  controls.append(buttons, examplesBox);
  el.replaceChildren(canvas, controls);

  let drawCount = 0;
  const draw = () => {
    const start = performance.now();
    const z = currentZ();
    decode(weights, z, pixels);
    paint(context, image, pixels);
    drawCount += 1;
    canvas.dataset.z = JSON.stringify(z);
    canvas.dataset.drawCount = String(drawCount);
    const end = performance.now();
    el.dispatchEvent(new CustomEvent(DRAW_EVENT, { bubbles: true, detail: { start, end, z } }));
  };
  // Several traits may change at once (reset, random, an example): draw once, soon.
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      draw();
    });
  };
  names.forEach((name) => model.on(`change:${name}`, schedule));
  draw();
  return () => names.forEach((name) => model.off(`change:${name}`, schedule));
}

export default { render };
