"""The comparer the interrupt and SLURM tests judge a run by (tests/tiny_run.py): it must
tell a changed or cut-short output from an equal one, wall-clock fields aside."""

import json
import zipfile

import h5py
import numpy as np
import pytest
from tiny_run import same_output


def write_keras(path, weights):
    """A stand-in .keras archive: a zip holding model.weights.h5 (and its save metadata)."""
    h5_path = path.with_suffix(".weights.h5")
    with h5py.File(h5_path, "w") as h5:
        h5["layers/dense/vars/0"] = weights
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(h5_path, "model.weights.h5")
        archive.writestr("metadata.json", json.dumps({"date_saved": str(path)}))


def test_tables_differ_in_results_not_in_wall_clock_columns(tmp_path):
    a, b, c = (tmp_path / f"{name}.tsv" for name in "abc")
    a.write_text("epoch\tloss\tseconds\n1\t0.5\t2.1\n")
    b.write_text("epoch\tloss\tseconds\n1\t0.5\t9.9\n")
    c.write_text("epoch\tloss\tseconds\n1\t0.6\t2.1\n")
    assert same_output(a, b)
    assert not same_output(c, a)
    # A table without wall-clock columns must match byte for byte.
    (tmp_path / "x.tsv").write_text("kmer\timportance\nAAAA\t0.1\n")
    (tmp_path / "y.tsv").write_text("kmer\timportance\nAAAA\t0.10\n")
    assert not same_output(tmp_path / "x.tsv", tmp_path / "y.tsv")


def test_json_differs_in_results_not_in_timing_keys_at_any_depth(tmp_path):
    a, b, c = (tmp_path / f"{name}.json" for name in "abc")
    a.write_text(json.dumps({"pearson_r": 0.5, "seconds": 3.0, "fit": {"seconds": 1.0}}))
    b.write_text(json.dumps({"pearson_r": 0.5, "seconds": 7.0, "fit": {"seconds": 2.0}}))
    c.write_text(json.dumps({"pearson_r": 0.4, "seconds": 3.0, "fit": {"seconds": 1.0}}))
    assert same_output(a, b)
    assert not same_output(c, a)


def test_models_are_compared_by_their_weights(tmp_path):
    reference, same, other = (tmp_path / f"{name}.keras" for name in ("ref", "same", "other"))
    write_keras(reference, np.arange(6, dtype="float32"))
    write_keras(same, np.arange(6, dtype="float32"))  # another save time, same weights
    write_keras(other, np.arange(6, dtype="float32") + 1e-7)
    assert reference.read_bytes() != same.read_bytes()
    assert same_output(same, reference)
    assert not same_output(other, reference)
    cut = tmp_path / "cut.keras"
    cut.write_bytes(reference.read_bytes()[:-40])
    assert not same_output(cut, reference)


@pytest.mark.parametrize("suffix", [".h5", ".npz"])
def test_arrays_must_match_by_name_and_value(tmp_path, suffix):
    def write(path, arrays):
        if suffix == ".npz":
            np.savez(path, **arrays)
        else:
            with h5py.File(path, "w") as h5:
                for name, values in arrays.items():
                    h5[name] = values

    paths = [tmp_path / f"{name}{suffix}" for name in ("ref", "same", "changed", "fewer")]
    nan = np.array([1.0, np.nan])
    write(paths[0], {"x": nan, "y": np.arange(3)})
    write(paths[1], {"x": nan.copy(), "y": np.arange(3)})
    write(paths[2], {"x": nan, "y": np.arange(3) + 1})
    write(paths[3], {"x": nan})
    assert same_output(paths[1], paths[0])
    assert not same_output(paths[2], paths[0])
    assert not same_output(paths[3], paths[0])


def test_figures_must_be_complete(tmp_path):
    png = tmp_path / "figure.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000))
    assert same_output(png, png)
    short = tmp_path / "short.png"
    short.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert not same_output(short, png)
    pdf, cut = tmp_path / "figure.pdf", tmp_path / "cut.pdf"
    pdf.write_bytes(b"%PDF-1.4\n...\n%%EOF\n")
    cut.write_bytes(b"%PDF-1.4\n...\n")
    assert same_output(pdf, pdf)
    assert not same_output(cut, pdf)
