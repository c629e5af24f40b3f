"""GIA on models from files and code: Keras, ONNX, Python callables, and their conventions.

The models are real files built here: the Keras position model of exact_models.py, ONNX
graphs holding its weights (onnx_models.py), a Python file with the same rule in NumPy.
Run through the one GIA path, every kind must give the Keras model's tables to 1e-5,
whatever its layout (channels first, ACGT order), and the command line must say in one
line what is wrong with a model it cannot use.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from exact_models import _detector, _weighted_sum, position_model
from onnx_models import PYTHON_MODEL, position_onnx, position_weights

from rbpgia.cli import main
from rbpgia.encode.onehot import centre_trim, one_hot
from rbpgia.errors import InputError
from rbpgia.gia import run as gia_run
from rbpgia.gia.conventions import (
    InputLayout,
    Reduce,
    layout_from_shape,
    parse_reduce,
    to_model_input,
    to_scores,
)
from rbpgia.gia.model_io import model_kind, open_model
from rbpgia.sequence import ALPHABET
from rbpgia.train import make_outputs_fn

MOTIF = "UGCAUG"
COLUMNS = ["importance", "ci_low", "ci_high"]

# ----------------------------------------------------------------------- conventions


def test_model_input_is_transposed_and_reordered_for_the_model():
    x = one_hot(["ACGU", "UUGA"], 4)
    structure = np.arange(2 * 4 * 2, dtype=np.float32).reshape(2, 4, 2)
    pu = np.concatenate([x, structure], axis=-1)
    layout = InputLayout(4, 6, channels_first=True, alphabet="AGCT")
    out = to_model_input(pu, layout)
    assert out.shape == (2, 6, 4)
    # Channel 1 is G: set where the probe has G (column 2 of ACGU, column 2 of UUGA).
    np.testing.assert_array_equal(out[0, 1], [0, 0, 1, 0])
    np.testing.assert_array_equal(out[1, 1], [0, 0, 1, 0])
    np.testing.assert_array_equal(out[1, 3], [1, 1, 0, 0])  # U (T) last
    np.testing.assert_array_equal(out[:, 4:], structure.transpose(0, 2, 1))  # kept, in order
    assert to_model_input(x, InputLayout(4, 4, alphabet="ACGT")) is x  # GIA's own: no copy
    np.testing.assert_array_equal(to_model_input(x, InputLayout(4, 4, alphabet="ACGT")), x)


@pytest.mark.parametrize(
    ("shape", "options", "expected"),
    [
        ((None, 41, 4), {}, (41, 4, False)),
        ((None, 4, 101), {}, (101, 4, True)),
        (("N", 6, "L"), {"length": 75}, (75, 6, True)),
        ((None, None, None), {"length": 50}, (50, 4, False)),
        ((None, None, 9), {"length": 41}, (41, 9, False)),
        ((None, 4, 4), {"channels_first": True}, (4, 4, True)),
    ],
)
def test_layout_is_read_from_the_shape_and_completed_by_options(shape, options, expected):
    layout = layout_from_shape(shape, **options)
    assert (layout.length, layout.channels, layout.channels_first) == expected


@pytest.mark.parametrize(
    ("shape", "options", "message"),
    [
        ((None, 41, 4), {"length": 101}, "input length 101 given, but the model's input"),
        ((None, 4, 101), {"channels": 6}, "6 channels given"),
        ((None, None, 4), {}, "does not fix its length"),
        ((None, 4, 4), {}, "cannot tell channels from length"),
        ((None, 41, 5), {}, "cannot tell channels from length"),
        ((None, 41, 5), {"channels_first": False}, "has 5 channels"),
        ((None, 41), {}, "expected one input of shape (N, L, C)"),
    ],
)
def test_layouts_the_model_contradicts_are_errors(shape, options, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        layout_from_shape(shape, **options)


def test_profiles_reduce_and_tasks_are_chosen():
    profile = np.array([[0.0, 1, 2, 3], [4, 0, 0, 1]], dtype=np.float32)
    assert parse_reduce("mean:1:3") == Reduce("mean", 1, 3)
    np.testing.assert_array_equal(to_scores([profile], ["p"], 2, reduce=Reduce("sum")), [6, 5])
    np.testing.assert_array_equal(to_scores([profile], ["p"], 2, reduce=Reduce("max")), [3, 4])
    np.testing.assert_array_equal(
        to_scores([profile], ["p"], 2, reduce=Reduce("mean", 1, 3)), [1.5, 0]
    )
    np.testing.assert_array_equal(
        to_scores([profile[..., None]], ["p"], 2, reduce=Reduce("max")), [3, 4]
    )
    # A channels-first head's one channel, (N, 1, P), is the same profile.
    np.testing.assert_array_equal(
        to_scores([profile[:, None, :]], ["p"], 2, reduce=Reduce("mean", 1, 3)), [1.5, 0]
    )
    with pytest.raises(InputError, match=r"takes a per-position output \(N, P\)"):
        to_scores([np.stack([profile, profile], axis=1)], ["p"], 2, reduce=Reduce("sum"))
    # One (N, T) output: an index picks the task column.
    np.testing.assert_array_equal(to_scores([profile], ["tasks"], 2, output=2), [2, 0])
    two = [profile[:, :1], profile]
    np.testing.assert_array_equal(to_scores(two, ["a", "b"], 2, output="a"), [0, 4])
    summed = to_scores(two, ["a", "b"], 2, output=1, reduce=Reduce("sum"))
    np.testing.assert_array_equal(summed, [6, 5])
    with pytest.raises(InputError, match="4 values per probe"):
        to_scores([profile], ["p"], 2)
    with pytest.raises(
        InputError, match="output 'c' does not exist; the model's outputs: 0 .a., 1 .b."
    ):
        to_scores(two, ["a", "b"], 2, output="c")
    with pytest.raises(InputError, match="output 4 does not exist"):
        to_scores([profile], ["p"], 2, output=4)
    with pytest.raises(InputError, match="the model has 2 outputs; choose one"):
        to_scores(two, ["a", "b"], 2)
    with pytest.raises(InputError, match="window .5:9. of an output of 4 positions is empty"):
        to_scores([profile], ["p"], 2, reduce=Reduce("sum", 5, 9))
    with pytest.raises(InputError, match="expected one of sum, max, mean"):
        parse_reduce("median")


def test_probes_longer_than_the_frame_keep_their_middle():
    assert centre_trim(["AAACCCGGGU", "ACG"], 3) == ["CCC", "ACG"]
    # The centre of padding: trimmed, then centred back in the probe's length, every
    # letter kept sits in its own column.
    probe = "ACGUUCGAACGGU"
    for length in (4, 7, 12):
        trimmed = centre_trim([probe], length)[0]
        back = one_hot([trimmed], len(probe))[0]
        kept = back.sum(axis=1) == 1
        np.testing.assert_array_equal(back[kept], one_hot([probe], len(probe))[0][kept])


@pytest.mark.parametrize(
    ("spec", "kind"),
    [("m.keras", "keras"), ("dir/M.ONNX", "onnx"), ("a/b.py:score", "python"),
     ("pkg.models:score", "python"), ("score:predict", "python")],
)  # fmt: skip
def test_model_kind_is_told_by_the_spec(spec, kind):
    assert model_kind(spec) == kind


# ----------------------------------------------------------------------- real model files


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The position model as Keras, ONNX (two layouts, three outputs) and Python files."""
    import keras

    root = tmp_path_factory.mktemp("models")
    position_model(MOTIF).save(root / "position.keras")
    # A Keras model with two named outputs: the position score and the number of sites.
    x = keras.Input((41, 4))
    hits = _detector(x, MOTIF, 4, "sites")
    score = _weighted_sum(hits, position_weights(MOTIF, 41, 17.0, 3.0), "position")
    count = _weighted_sum(hits, np.ones(41 - len(MOTIF) + 1), "count")
    keras.Model(x, [score, count]).save(root / "two.keras")
    position_onnx(root / "position.onnx")
    position_onnx(root / "first.onnx", channels_first=True, alphabet="ACGT", extra_outputs=True)
    # 101 nt, channels first, a broad preference for the centre.
    position_onnx(root / "long.onnx", centre=47.0, sd=20.0, length=101, channels_first=True)
    (root / "rules.py").write_text(PYTHON_MODEL)
    (root / "needs_torch.py").write_text("import a_module_nobody_installed\n")
    return root


@pytest.fixture(scope="module")
def setup():
    return gia_run.settings({"n_null": 200, "k": 4, "adaptive": False, "n_boot": 200})


def gia_tables(predictor, background, options) -> dict[str, pd.DataFrame]:
    run = gia_run.prepare(predictor, background, options)
    tables = {"kmer_search": gia_run.search(run, options)}
    for experiment in ("motif_count", "positional", "flanks"):
        tables[experiment] = gia_run.run_experiment(run, experiment, MOTIF, options)
    return tables


@pytest.fixture(scope="module")
def keras_tables(models, pool, setup):
    return gia_tables(open_model(models / "position.keras").predictor(), pool, setup)


@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("position.onnx", {}),
        ("first.onnx", {"output": "score"}),  # channels first, ACGT, three outputs
        ("rules.py:position", {}),
        ("two.keras", {"output": "position"}),
    ],
)
def test_every_kind_gives_the_keras_tables(models, pool, setup, keras_tables, spec, options):
    model = open_model(str(models / spec), **options)
    assert model.length == 41
    assert model.input_type == "seq"
    tables = gia_tables(model.predictor(), pool, setup)
    for name, expected in keras_tables.items():
        got = tables[name]
        assert list(got.columns) == list(expected.columns), name
        np.testing.assert_allclose(got[COLUMNS], expected[COLUMNS], atol=1e-5, err_msg=name)
    # The rule is there: one site at the centre scores its Gaussian weight.
    count = keras_tables["motif_count"].set_index("condition")
    assert count.loc["1", "importance"] > 0.1


def test_outputs_are_chosen_by_name_or_index(models):
    sequences = ["A" * 10 + MOTIF + "A" * 5 + MOTIF + "A" * 14, "C" * 41]
    x = one_hot(sequences)
    keras_count = open_model(models / "two.keras", output="count").predict(x)
    np.testing.assert_allclose(keras_count, [2, 0])
    np.testing.assert_allclose(open_model(models / "two.keras", output=1).predict(x), [2, 0])
    sites = open_model(models / "first.onnx", output="sites", reduce="sum").predict(x)
    np.testing.assert_allclose(sites, [2, 0])
    window = open_model(models / "first.onnx", output="sites", reduce="max:0:10")
    np.testing.assert_allclose(window.predict(x), [0, 0])  # the sites start at 10 and 21
    np.testing.assert_allclose(open_model(models / "first.onnx", output=2).predict(x), [1, 0])
    tasks = open_model(f"{models}/rules.py:two_tasks", output="count")
    np.testing.assert_allclose(tasks.predict(x), [2, 0])
    weights = position_weights(MOTIF, 41, 17.0, 3.0)
    score = open_model(models / "first.onnx", output=0).predict(x)
    np.testing.assert_allclose(score, [weights[10] + weights[21], 0], rtol=1e-6)


def test_a_keras_models_batch_size_is_chosen_by_device_or_given(models):
    """1024 probes per forward pass on this CPU (rbpgia.device.gia_batch_size), or as given;
    ONNX and Python models batch themselves. The scores do not depend on it."""
    x = one_hot(["A" * 10 + MOTIF + "A" * 25] * 5 + ["C" * 41] * 2)
    default = open_model(models / "two.keras", output="count")
    small = open_model(models / "two.keras", output="count", batch_size=3)
    assert (default.batch_size, small.batch_size) == (1024, 3)
    np.testing.assert_allclose(small.predict(x), default.predict(x))
    np.testing.assert_allclose(default.predict(x), [1] * 5 + [0] * 2)
    assert open_model(models / "first.onnx", output=0).batch_size is None
    assert open_model(f"{models}/rules.py:two_tasks", output="count").batch_size is None


def test_a_sequential_keras_model_names_its_output_by_its_last_layer(tmp_path):
    import keras

    model = keras.Sequential(
        [keras.Input((41, 4)), keras.layers.Flatten(), keras.layers.Dense(1, name="score")]
    )
    model.save(tmp_path / "sequential.keras")
    loaded = open_model(tmp_path / "sequential.keras", output="score")
    assert loaded.names == ["score"]
    x = one_hot(["A" * 41, "C" * 41])
    # Compiled (GIA) against plain predict: float32 rounding apart, 1e-6 relative at most.
    np.testing.assert_allclose(
        loaded.predict(x), model.predict(x, verbose=0)[:, 0], rtol=1e-5, atol=1e-6
    )


def test_a_keras_model_of_open_length_predicts_at_the_length_given(tmp_path):
    import keras

    x = keras.Input((None, 4))  # any length: convolution, then the sum over positions
    hits = keras.layers.Conv1D(1, 1, use_bias=False, name="hits")(x)
    model = keras.Model(x, keras.layers.GlobalAveragePooling1D()(hits))
    model.get_layer("hits").set_weights([np.array([1.0, 0.0, 0.0, 0.0]).reshape(1, 4, 1)])
    model.save(tmp_path / "open.keras")
    with pytest.raises(InputError, match="does not fix its length; give the input length"):
        open_model(tmp_path / "open.keras")
    with pytest.raises(InputError, match="leaves a dimension open"):
        make_outputs_fn(model)
    opened = open_model(tmp_path / "open.keras", length=41)
    assert (opened.length, opened.layout.shape) == (41, (41, 4))
    # The mean of A over the 41 columns (padding is zero).
    np.testing.assert_allclose(
        opened.predict(one_hot(["A" * 41, "A" * 20 + "C" * 21])), [1, 20 / 41]
    )


def test_module_callable_is_imported_by_name(models, monkeypatch):
    package = models / "usermodels"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text(PYTHON_MODEL)
    monkeypatch.syspath_prepend(str(models))
    x = one_hot(["A" * 17 + MOTIF + "A" * 18])
    model = open_model("usermodels.rules:position")
    assert model.kind == "python"
    np.testing.assert_allclose(model.predict(x), open_model(models / "position.onnx").predict(x))


def test_a_callable_that_writes_into_its_input_leaves_gias_probes_alone(models, pool):
    """A user's function gets a copy: writing into GIA's nulls changed every later row."""
    x = np.array(pool[:50])
    before = x.copy()
    scores = open_model(f"{models}/rules.py:writes_its_input").predict(x)
    np.testing.assert_array_equal(x, before)
    blanked = before.copy()
    blanked[:, :3, :] = 0
    expected = open_model(f"{models}/rules.py:position").predict(blanked)
    np.testing.assert_allclose(scores, expected)


def test_a_module_in_the_working_folder_is_found(models, monkeypatch):
    """As `python -m rbpgia.cli` finds it; the installed script's sys.path lacks the folder."""
    monkeypatch.chdir(models)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(models))])
    model = open_model("rules:position")
    monkeypatch.delitem(sys.modules, "rules")
    assert model.kind == "python"
    assert str(models) not in sys.path  # put back as it was


def test_a_101_nt_channels_first_model(models):
    model = open_model(models / "long.onnx")
    assert (model.length, model.layout.channels_first) == (101, True)
    x = one_hot(["A" * 47 + MOTIF + "A" * 48, "A" * 101], 101)
    np.testing.assert_allclose(model.predict(x), [1, 0], atol=1e-6)
    with pytest.raises(InputError, match="long.onnx: input length 41 given"):
        open_model(models / "long.onnx", length=41)


# ----------------------------------------------------------------------- command line


def _background(path, length, n=300, seed=3):
    rng = np.random.default_rng(seed)
    path.write_text("".join("".join(rng.choice(list(ALPHABET), length)) + "\n" for _ in range(n)))
    return path


def cli(tmp_path, model, background, *extra, experiment="motif_count"):
    out = tmp_path / f"{experiment}.tsv"
    argv = ["gia", experiment, "--model", str(model), "--background", str(background)]
    argv += ["--motif", MOTIF, "--n-null", "100", "--n-boot", "100", "--out", str(out)]
    status = main([*argv, *map(str, extra)])
    return status, (pd.read_csv(out, sep="\t") if status == 0 else None)


def test_command_line_runs_every_kind_to_the_same_table(models, tmp_path, capsys):
    background = _background(tmp_path / "background.txt", 41)
    _, expected = cli(tmp_path, models / "position.keras", background)
    assert "seq model (keras, 41 nt)" in capsys.readouterr().out
    for spec, extra in [
        (models / "position.onnx", []),
        (models / "first.onnx", ["--output", "score"]),
        (f"{models}/rules.py:position", []),
        (models / "two.keras", ["--output", "position"]),
    ]:
        status, table = cli(tmp_path, spec, background, *extra)
        assert status == 0, spec
        np.testing.assert_allclose(table[COLUMNS], expected[COLUMNS], rtol=1e-5, atol=1e-6)
    assert "channels first, ACGU, output score" not in capsys.readouterr().out  # ACGT = ACGU
    status, sites = cli(
        tmp_path, models / "first.onnx", background, "--output", "sites", "--reduce", "sum"
    )
    assert status == 0
    one = sites.set_index("condition").loc["1", "importance"]
    assert one == pytest.approx(1.0, abs=0.05)  # one more exact site, wherever it goes
    assert "output sites, sum" in capsys.readouterr().out


def test_command_line_runs_a_101_nt_model(models, tmp_path, capsys):
    background = _background(tmp_path / "long.txt", 101)
    status, table = cli(tmp_path, models / "long.onnx", background)
    assert status == 0
    assert table.set_index("condition").loc["1", "importance"] > 0.5
    assert "seq model (onnx, 101 nt, channels first)" in capsys.readouterr().out
    # The 41-nt probes cannot fill it.
    short = _background(tmp_path / "short.txt", 41)
    status, _ = cli(tmp_path, models / "long.onnx", short)
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"rbpgia: error: {short}: the background cannot fill the model's 101-nt input: its "
        "longest probe is 41 nt (give probes of at least 101 nt)"
    )
    # A callable says its length with --length; longer probes keep their middle.
    status, table = cli(tmp_path, f"{models}/rules.py:position", background, "--length", "41")
    assert status == 0


# (model, options, what the one-line error says): every way --model can be unusable.
ERRORS = [
    ("missing.onnx", [], "missing.onnx: model file not found"),
    ("missing.py:position", [], "missing.py: model file not found"),
    ("model.h5", [], "model.h5: unknown model kind .h5: expected a .keras or .onnx file"),
    ("rules.py:broken", [], "broken: the model raised RuntimeError: weights not loaded"),
    (
        "rules.py:wrong_shape",
        [],
        "wrong_shape: the model returned an output of shape (5,) for 2 probes",
    ),
    ("rules.py:no_outputs", [], "no_outputs: the model returned an empty dict: no outputs"),
    (
        "rules.py:plain_list",
        [],
        "plain_list: the model returned a list of 2 items for 2 probes, 1 for one: a list or "
        "tuple is read as one output per item; return the scores as one array",
    ),
    ("rules.py:absent", [], "rules.py:absent: no function 'absent' in"),
    (
        "rules.py:nan_scores",
        [],
        "nan_scores: the model returned 1 non-finite scores (NaN or infinite)",
    ),
    ("needs_torch.py:predict", [], "needs_torch.py: importing it raised ModuleNotFoundError"),
    (
        "first.onnx",
        [],
        "first.onnx: the model has 3 outputs; choose one by name or index (--output): "
        "0 (score), 1 (sites), 2 (any_site)",
    ),
    (
        "first.onnx",
        ["--output", "profile"],
        "first.onnx: output 'profile' does not exist; the model's outputs: 0 (score)",
    ),
    (
        "two.keras",
        ["--output", "5"],
        "two.keras: output 5 does not exist; the model's outputs: 0 (position), 1 (count)",
    ),
    ("first.onnx", ["--output", "sites"], "first.onnx: the model returned 36 values per probe"),
    (
        "first.onnx",
        ["--output", "score", "--reduce", "median"],
        "first.onnx: reduce 'median': expected one of sum, max, mean",
    ),
    ("position.onnx", ["--alphabet", "ACGN"], "position.onnx: alphabet 'ACGN' is not an order"),
    (
        "position.onnx",
        ["--channels", "first"],
        "position.onnx: the model's input ('N', 41, 4) (channels first) has 41 channels",
    ),
]


@pytest.mark.parametrize(("spec", "extra", "message"), ERRORS)
def test_command_line_errors_are_one_line(models, tmp_path, capsys, spec, extra, message):
    background = _background(tmp_path / "background.txt", 41, n=30)
    model = spec if spec.startswith("missing") or spec.endswith(".h5") else models / spec
    if spec.startswith("missing"):
        model = tmp_path / spec
    status, _ = cli(tmp_path, model, background, *extra)
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("rbpgia: error: ")
    assert message in err[0], err[0]


def test_onnx_framing_check_passes_real_models_and_names_broken_files(models, tmp_path):
    from rbpgia.gia.model_io import onnx_file_problem

    for name in ("position.onnx", "first.onnx", "long.onnx"):
        assert onnx_file_problem(models / name) is None, name
    whole = (models / "first.onnx").read_bytes()
    broken = {
        "empty.onnx": (b"", "the file is empty"),
        "text.onnx": (b"<html>404 Not Found</html>", "not an ONNX model"),
        "cut.onnx": (whole[: len(whole) // 2], "cut short"),
        "nograph.onnx": (b"\x08\x07\x12\x03abc", "it has no graph"),
    }
    for name, (content, message) in broken.items():
        (tmp_path / name).write_bytes(content)
        assert message in onnx_file_problem(tmp_path / name), name
        with pytest.raises(InputError, match=f"{name}: .*{message}"):
            open_model(tmp_path / name)


def test_gia_help_warns_that_callables_run_code(capsys):
    assert main(["gia", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "name only code you trust" in text
    for option in ("--output", "--reduce", "--channels", "--length", "--alphabet"):
        assert option in text


def test_numeric_output_names_are_names_first():
    """torch.onnx names outputs "0", "1", ...: a number that is a name picks that output."""
    from rbpgia.gia.conventions import parse_output, select_output

    first, second = np.zeros((3, 1)), np.ones((3, 1))
    chosen, column = select_output([first, second], ["1", "0"], parse_output("0"))
    assert chosen is second
    assert column is None
    chosen, _ = select_output([first, second], ["a", "b"], parse_output("1"))
    assert chosen is second  # no such name: an index
