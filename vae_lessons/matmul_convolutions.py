"""Lesson 9 (speed): Keras's ``Conv2D`` and ``Conv2DTranspose``, computed as matrix products.

A convolution multiplies every patch of the image by the same kernel, so it is one
matrix product of all the patches ("im2col"); a transposed convolution is one matrix
product followed by adding each pixel's ``kernel_size x kernel_size`` block of outputs
into place ("col2im"). :class:`MatmulConv2D` and :class:`MatmulConv2DTranspose` are
Keras's own layers (same arguments, weights, initializers, config and ``.keras``
files) with only that computation replaced, on JAX; on TensorFlow and PyTorch they run
Keras's own convolution. ``tests/test_matmul_convolutions.py`` checks that
:func:`conv2d` and :func:`conv2d_transpose` give Keras's outputs on every backend.

They are written here for speed alone. XLA on CPU (JAX 0.10.2) runs the small
convolutions of lesson 9's VAE far slower than the same arithmetic as matrix products,
and slower again inside ``fused_steps``' scan; TensorFlow's and PyTorch's own
convolutions are faster than these matrix products
(``benchmarks/training_speed.py --architecture conv`` times each backend both ways).
Only what the package's models use is supported: channels last, ``padding="same"``,
no dilation, no groups.
"""

from __future__ import annotations

import keras
from keras import ops

from vae_lessons import validation


def same_padding(length, kernel_size, strides):
    """Keras's (TensorFlow's) ``padding="same"`` of one spatial axis: (before, after).

    The output has ``ceil(length / strides)`` positions; the padding needed for that is
    split with the odd one after, e.g. ``(0, 1)`` for 28 pixels, kernel 3, stride 2.
    """
    output_length = -(-length // strides)
    total = max((output_length - 1) * strides + kernel_size - length, 0)
    return total // 2, total - total // 2


def patches(images, kernel_size, strides):
    """Every ``kernel_size x kernel_size`` patch of the padded images, in the kernel's order.

    Parameters
    ----------
    images : tensor, shape (batch, height, width, channels)
    kernel_size : (int, int)
    strides : (int, int)

    Returns
    -------
    tensor, shape (batch, ceil(height / strides), ceil(width / strides), kh * kw * channels)
        Rows, then columns, then channels, as ``kernel.reshape(-1, filters)`` of a
        ``Conv2D`` kernel (kh, kw, channels, filters) orders them.
    """
    (kernel_height, kernel_width), (stride_height, stride_width) = kernel_size, strides
    height, width = images.shape[1], images.shape[2]
    padding_height = same_padding(height, kernel_height, stride_height)
    padding_width = same_padding(width, kernel_width, stride_width)
    padded = ops.pad(images, [(0, 0), padding_height, padding_width, (0, 0)])
    output_height, output_width = -(-height // stride_height), -(-width // stride_width)
    rows_spanned = (output_height - 1) * stride_height + 1
    columns_spanned = (output_width - 1) * stride_width + 1
    shifted = [
        # (batch, output_height, output_width, channels): the patches' pixel (row, column)
        padded[:, row : row + rows_spanned : stride_height, column : column + columns_spanned : stride_width, :]
        for row in range(kernel_height)
        for column in range(kernel_width)
    ]
    return ops.concatenate(shifted, axis=-1)


def conv2d(images, kernel, strides):
    """``ops.conv(images, kernel, strides, padding="same")`` as one matrix product.

    Parameters
    ----------
    images : tensor, shape (batch, height, width, channels)
    kernel : tensor, shape (kh, kw, channels, filters)
    strides : (int, int)

    Returns
    -------
    tensor, shape (batch, ceil(height / strides), ceil(width / strides), filters)
    """
    kernel_height, kernel_width, _, filters = kernel.shape
    image_patches = patches(images, (kernel_height, kernel_width), strides)  # (..., kh * kw * channels)
    return ops.matmul(image_patches, ops.reshape(kernel, (-1, filters)))  # (..., filters)


def _overlap_add(blocks, axis, strides, output_length):
    """Add each position's block of outputs into place along one spatial axis.

    ``blocks`` has the kernel's offsets along ``axis`` on axis 3, both for the rows
    (batch, height, width, kh, kw, filters) and for the columns once the rows are
    merged (batch, rows, width, kw, filters): output position ``strides * i + offset``
    receives ``blocks[..., i, ..., offset, ...]``. Offsets of the same remainder
    modulo ``strides`` land on the same output "phase", shifted by ``offset //
    strides``; the phases are summed, then interleaved, then cropped to Keras's
    ``padding="same"`` (length ``output_length``).
    """
    kernel_axis = 3
    kernel_length, length = blocks.shape[kernel_axis], blocks.shape[axis]
    largest_shift = (kernel_length - 1) // strides
    phases = []
    for phase in range(strides):
        total = None
        for offset in range(phase, kernel_length, strides):
            shift = offset // strides
            block = blocks[_index(len(blocks.shape), kernel_axis, offset)]  # the kernel axis is gone
            padding = [(0, 0)] * len(block.shape)
            padding[axis] = (shift, largest_shift - shift)
            block = ops.pad(block, padding)  # (..., length + largest_shift, ...)
            total = block if total is None else total + block
        if total is None:  # a kernel shorter than the stride leaves this phase empty
            total = ops.zeros_like(phases[0])
        phases.append(total)
    interleaved = ops.stack(phases, axis=axis + 1)  # (..., length + largest_shift, strides, ...)
    shape = list(interleaved.shape)
    shape[axis : axis + 2] = [(length + largest_shift) * strides]
    shape[0] = -1
    full = ops.reshape(interleaved, shape)  # (..., strides * (length + largest_shift), ...)
    full_length = (length - 1) * strides + kernel_length  # the transposed convolution's reach
    before = max(full_length - output_length, 0) // 2
    return full[_index(len(full.shape), axis, slice(before, before + output_length))]


def _index(rank, axis, index):
    """``tensor[..., index, ...]`` with ``index`` on ``axis``: plain slicing (``ops.take``
    would gather, and XLA on CPU runs gathers and their gradients slowly)."""
    return tuple(index if position == axis else slice(None) for position in range(rank))


def conv2d_transpose(images, kernel, strides):
    """``ops.conv_transpose(images, kernel, strides, padding="same")`` as one matrix product.

    Parameters
    ----------
    images : tensor, shape (batch, height, width, channels)
    kernel : tensor, shape (kh, kw, filters, channels)
        A ``Conv2DTranspose`` kernel.
    strides : (int, int)

    Returns
    -------
    tensor, shape (batch, height * strides, width * strides, filters)
    """
    kernel_height, kernel_width, filters, channels = kernel.shape
    height, width = images.shape[1], images.shape[2]
    by_channel = ops.reshape(ops.transpose(kernel, (3, 0, 1, 2)), (channels, -1))  # (channels, kh * kw * filters)
    blocks = ops.matmul(images, by_channel)  # (batch, height, width, kh * kw * filters)
    blocks = ops.reshape(blocks, (-1, height, width, kernel_height, kernel_width, filters))
    rows = _overlap_add(blocks, 1, strides[0], height * strides[0])  # (batch, height * sh, width, kw, filters)
    return _overlap_add(rows, 2, strides[1], width * strides[1])  # (batch, height * sh, width * sw, filters)


def _check_supported(layer):
    """Raise unless ``layer`` uses only what the matrix-product convolutions implement."""
    supported = {"padding": "same", "data_format": "channels_last", "dilation_rate": (1, 1)}
    for name, expected in supported.items():
        if getattr(layer, name) != expected:
            raise ValueError(validation.message(name, f"{expected!r} (the only setting {type(layer).__name__} supports)", getattr(layer, name)))
    if getattr(layer, "groups", 1) != 1:
        raise ValueError(validation.message("groups", f"1 (the only setting {type(layer).__name__} supports)", layer.groups))


@keras.saving.register_keras_serializable(package="vae_lessons")
class MatmulConv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` (channels last, ``padding="same"``), on JAX computed by :func:`conv2d`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_supported(self)

    def convolution_op(self, inputs, kernel):
        # Keras's hook for the convolution itself; bias and activation stay Keras's
        if keras.backend.backend() != "jax":
            return super().convolution_op(inputs, kernel)
        return conv2d(inputs, kernel, self.strides)


@keras.saving.register_keras_serializable(package="vae_lessons")
class MatmulConv2DTranspose(keras.layers.Conv2DTranspose):
    """``keras.layers.Conv2DTranspose`` (channels last, ``padding="same"``), on JAX by :func:`conv2d_transpose`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_supported(self)
        if self.output_padding is not None:
            raise ValueError(validation.message("output_padding", "None (the only setting MatmulConv2DTranspose supports)", self.output_padding))

    def call(self, inputs):
        if keras.backend.backend() != "jax":
            return super().call(inputs)
        # Keras's Conv2DTranspose.call with ops.conv_transpose replaced: it has no
        # convolution_op hook to override
        outputs = conv2d_transpose(inputs, self.kernel, self.strides)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)  # (filters,) broadcast over the pixels
        if self.activation is not None:
            return self.activation(outputs)
        return outputs
