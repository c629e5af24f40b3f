"""Atomic writes leave either the complete file or nothing."""

import hashlib
import os
import stat

import numpy as np
import pandas as pd
import pytest

from rbpgia.io import atomic_open, atomic_path, read_tsv, sha256sum


def test_atomic_path_renames_on_success(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("done")
        assert not target.exists()
    assert target.read_text() == "done"
    assert list(target.parent.iterdir()) == [target]


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def crash_while_writing():
        with atomic_open(target) as handle:
            handle.write("half")
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash_while_writing()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_sha256sum(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"rbpgia" * 1000)
    assert sha256sum(path, chunk_size=7) == hashlib.sha256(b"rbpgia" * 1000).hexdigest()


def test_atomic_outputs_get_the_umask_mode_not_a_private_one(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_open(tmp_path / "shared.tsv") as handle:
            handle.write("x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.tsv").stat().st_mode) == 0o644


def test_read_tsv_keeps_names_that_look_like_numbers_or_missing(tmp_path):
    table = pd.DataFrame(
        {"rbp": ["001", "NA", "nan"], "model": ["1e3", "x", "y"], "pearson_r": [0.5, np.nan, 1]}
    )
    table.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    back = read_tsv(tmp_path / "t.tsv")
    assert back["rbp"].tolist() == ["001", "NA", "nan"]
    assert back["model"].tolist() == ["1e3", "x", "y"]
    assert back["pearson_r"].dtype == np.float64
    assert np.isnan(back["pearson_r"][1])
