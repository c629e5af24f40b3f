"""The config schema fills defaults and names the offending key for every bad value."""

from pathlib import Path

import pytest
import yaml

from rbpgia.errors import ConfigError
from rbpgia.workflow.config import load_config, validate_config
from rbpgia.workflow.jobs import FIT_KEYS

REPO = Path(__file__).resolve().parents[1]


def minimal(**top):
    config = {
        "datasets": {"syn": {"format": "synthetic", "rbps": {"R1": {"motif": "UGCAUG"}}}},
        "dataset": "syn",
    }
    config.update(top)
    return config


def test_shipped_config_is_valid_and_complete():
    config = load_config(REPO / "config" / "config.yaml")
    assert config["dataset"] == "synthetic"
    assert config["rbps"] == "all"
    synthetic = config["datasets"]["synthetic"]
    assert synthetic["n_probes"] == 60000
    assert len(synthetic["rbps"]) >= 3
    assert len(config["datasets"]["synthetic_panel"]["rbps"]) == 7
    assert config["datasets"]["rnacompete2013"]["url"].startswith("https://")
    rnacompete2009 = config["datasets"]["rnacompete2009"]
    assert rnacompete2009["format"] == "per_rbp_files"
    assert rnacompete2009["file_pattern"] == "{experiment}_data_full_{set}.txt"


def test_defaults_are_filled_from_the_schema():
    config = validate_config(minimal())
    assert config["encode"] == {"max_length": 41, "window": 41, "span": 41, "threads": 2}
    rbp = config["datasets"]["syn"]["rbps"]["R1"]
    assert rbp["site_effect"] == "additive"
    assert rbp["spacing"] is None
    assert config["datasets"]["syn"]["seed"] == 1


def test_file_datasets_get_no_synthetic_defaults():
    config = validate_config(
        {"dataset": "t", "datasets": {"t": {"format": "rnacompete_table", "path": "x.txt"}}}
    )
    assert "n_probes" not in config["datasets"]["t"]
    assert config["datasets"]["t"]["sha256"] is None


def file_dataset(fmt: str, **keys) -> dict:
    return {"dataset": "d", "datasets": {"d": {"format": fmt, "path": "x", **keys}}}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            file_dataset("rnacompete_table", file_pattern="{experiment}_{set}.txt"),
            "datasets.d.file_pattern applies to format 'per_rbp_files' only",
        ),
        (
            file_dataset("per_rbp_files", file_pattern="{experiment}.txt"),
            "config key datasets.d.file_pattern: file name pattern '{experiment}.txt' must hold",
        ),
        (minimal(bogus=1), "unknown config key bogus"),
        (minimal(encode={"threads": "two"}), "encode.threads"),
        (minimal(encode={"nthreads": 2}), "unknown config key encode.nthreads"),
        (minimal(dataset="other"), "'other' is not an entry of datasets"),
        (minimal(rbps="some"), "rbps"),
        (minimal(rbps=["R1", "R1"]), "more than once"),
        (minimal(rbps=["../etc"]), "rbps.0"),
        (
            {"dataset": "t", "datasets": {"t": {"format": "rnacompete_table"}}},
            "datasets.t: 'path' is a required property",
        ),
        (
            {"dataset": "t", "datasets": {"t": {"format": "fasta", "path": "x"}}},
            "datasets.t.format",
        ),
        (
            {"dataset": "t", "datasets": {"t": {"format": "deepbind", "path": "x", "seed": 1}}},
            "datasets.t.seed does not apply",
        ),
        (
            {
                "dataset": "t",
                "datasets": {"t": {"format": "rnacompete_table", "path": "x", "sha256": "abc"}},
            },
            "datasets.t.sha256",
        ),
        # Numbers that used to pass the schema and break a job: a whole float reached
        # range() in the encode job, NaN passes every bound, Keras refuses negative seeds.
        (minimal(encode={"max_length": 41.0}), "encode.max_length: 41.0 is not of type"),
        (minimal(gia={"n_null": 100.0}), "gia.n_null: 100.0 is not of type"),
        (minimal(training={"learning_rate": float("nan")}), "training.learning_rate: nan"),
        (minimal(gia={"miss_probability": float("inf")}), "gia.miss_probability: inf"),
        (minimal(training={"seed": -1}), "training.seed: -1 is less than the minimum of 0"),
        (minimal(gia={"seed": 2**32}), "gia.seed: 4294967296 is greater than the maximum"),
        (minimal(training={"seed": 10**400}), "is greater than the maximum of 4294967295"),
    ],
)
def test_bad_config_names_the_key(config, message):
    with pytest.raises(ConfigError, match=None) as info:
        validate_config(config)
    assert message in str(info.value)


def test_bad_synthetic_rbp_names_rbp_and_key():
    config = minimal()
    config["datasets"]["syn"]["rbps"]["R1"]["motif"] = "UGCAUN"
    with pytest.raises(ConfigError, match=r"datasets\.syn\.rbps\.R1\.motif"):
        validate_config(config)
    config = minimal()
    config["datasets"]["syn"]["rbps"]["R1"]["site_efect"] = "additive"
    with pytest.raises(
        ConfigError, match=r"unknown config key datasets\.syn\.rbps\.R1\.site_efect"
    ):
        validate_config(config)


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("dataset: [unclosed\n")
    with pytest.raises(ConfigError, match="config.yaml: not valid YAML"):
        load_config(path)


def test_overrides_apply_before_validation(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(minimal()))
    with pytest.raises(ConfigError, match="'nope' is not an entry"):
        load_config(path, {"dataset": "nope"})


def test_nested_command_line_values_read_as_text_are_typed(tmp_path):
    """Snakemake reads `--config 'training={epochs: 20}'` with YAML's base loader: "20"."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(minimal()))
    given = {"epochs": "20", "learning_rate": "1e-3", "gpu": "true", "norms": ["log"]}
    config = load_config(path, {"training": given, "gia": {"n_null": "300", "motifs": {}}})
    assert config["training"]["epochs"] == 20
    assert config["training"]["learning_rate"] == pytest.approx(0.001)
    assert config["training"]["gpu"] is True
    assert config["gia"]["n_null"] == 300
    # What does not read as the type wanted is still named; text keys stay text.
    with pytest.raises(ConfigError, match="config key training.epochs: 'twenty' is not of type"):
        load_config(path, {"training": {"epochs": "twenty"}})
    with pytest.raises(ConfigError, match="training.epochs: '2.5' is not of type 'integer'"):
        load_config(path, {"training": {"epochs": "2.5"}})
    # A data set's own section, where the demo's schedule lives.
    own = minimal()
    own["datasets"]["syn"]["training"] = {"epochs": "20", "patience": "4"}
    path.write_text(yaml.safe_dump(own))
    assert load_config(path)["training"]["epochs"] == 20
    with pytest.raises(ConfigError, match="config key rbps: 001 not in the synthetic"):
        load_config(path, {"rbps": ["001"]})  # "001", not 1: its name as given


def test_schema_defaults_and_bounds_match_the_library():
    """The workflow's defaults and bounds are the ones a Python or CLI user gets."""
    import inspect

    from rbpgia.gia import kmer_search
    from rbpgia.train import fit

    schema = yaml.safe_load((REPO / "src" / "rbpgia" / "schema" / "config.schema.yaml").read_text())
    gia = schema["properties"]["gia"]["properties"]
    assert gia["screen_nulls"]["minimum"] == kmer_search.MIN_SCREEN
    assert gia["screen_nulls"]["default"] == kmer_search.N_SCREEN
    assert gia["search_top"]["default"] == kmer_search.TOP
    assert gia["miss_probability"]["default"] == kmer_search.MISS_PROBABILITY
    assert gia["k"]["default"] == kmer_search.K
    training = schema["properties"]["training"]["properties"]
    defaults = inspect.signature(fit).parameters
    for key in FIT_KEYS:
        assert training[key]["default"] == defaults[key].default, key
    # A structure model's own training keys take the training section's types and bounds.
    own = schema["$defs"]["structure_model"]["oneOf"][1]["properties"]["training"]["properties"]
    assert set(own) == {*FIT_KEYS, "ensemble"}
    for key, bounds in own.items():
        section = {k: v for k, v in training[key].items() if k not in ("default", "description")}
        assert bounds == section, key
    assert training["min_lr"]["default"] == defaults["min_lr"].default


def test_dataset_settings_replace_only_their_keys_for_the_selected_dataset():
    config = minimal(training={"epochs": 50, "patience": 9}, gia={"n_null": 2000})
    config["datasets"]["syn"]["training"] = {"epochs": 10, "lr_patience": 1}
    config["datasets"]["syn"]["gia"] = {"screen_nulls": 50}
    config["datasets"]["other"] = {
        "format": "synthetic",
        "rbps": {"R2": {"motif": "UAGGGA"}},
        "training": {"epochs": 3},
    }
    training = validate_config(config)["training"]
    assert (training["epochs"], training["patience"], training["lr_patience"]) == (10, 9, 1)
    assert training["batch_size"] == 100  # the schema's default still fills the rest
    gia = validate_config(config)["gia"]
    assert (gia["n_null"], gia["screen_nulls"]) == (2000, 50)
    # Another data set's settings apply only when it is selected.
    assert validate_config({**config, "dataset": "other"})["training"]["epochs"] == 3
    assert validate_config({**config, "dataset": "other"})["gia"]["screen_nulls"] == 100


def test_published_results_are_joined_for_the_rnacompete_data_sets_only():
    shipped = "resources/published_performance/rnacompete2013_pearson.tsv"
    path = REPO / "config" / "config.yaml"
    for name, published in (
        ("rnacompete2013", shipped),
        ("rnacompete2013_subset", shipped),
        ("synthetic", None),
        ("synthetic_panel", None),
    ):
        assert load_config(path, {"dataset": name})["benchmark"]["published"] == published, name
    assert (REPO / shipped).is_file()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"benchmark": {"published": 3}}, "config key datasets.other.benchmark.published"),
        ({"training": {"epochs": 0}}, "config key datasets.other.training.epochs"),
        ({"training": {"epoch": 5}}, "unknown config key datasets.other.training.epoch"),
        ({"gia": {"nulls": "random"}}, "config key datasets.other.gia.nulls"),
        ({"gia": [1]}, "config key datasets.other.gia:"),
        ({"models": {"R2": {"path": "m.onnx", "reduce": "median"}}}, "datasets.other.models.R2"),
    ],
)
def test_bad_dataset_settings_name_their_key_even_when_not_selected(settings, message):
    config = minimal()
    config["datasets"]["other"] = {"format": "synthetic", "rbps": {"R2": {"motif": "UAGGGA"}}}
    config["datasets"]["other"].update(settings)
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    assert message in str(info.value)


def test_gia_settings_come_from_the_schema_and_name_the_key():
    from rbpgia.errors import InputError
    from rbpgia.gia import registry
    from rbpgia.gia.run import settings

    options = settings()
    # null = every one but those waiting for the user's input (patterns: its list)
    assert options["experiments"] == list(registry.DEFAULT_EXPERIMENTS)
    assert "patterns" in registry.MOTIF_EXPERIMENTS
    assert "patterns" not in registry.DEFAULT_EXPERIMENTS
    assert options["n_null"] == 1000
    assert options["k"] == 6
    assert settings({"experiments": ["hairpin"]})["experiments"] == ["hairpin"]
    with pytest.raises(InputError, match=r"gia\.experiments: unknown experiment 'loops'"):
        settings({"experiments": ["loops"]})
    motifs = {"RNCMPT00168": "UGCAUG"}  # its schema refers to $defs (safe names)
    assert settings({"motifs": motifs})["motifs"] == motifs
    with pytest.raises(InputError, match=r"gia\.motifs: '\.\./x' does not match"):
        settings({"motifs": {"../x": "UGCAUG"}})
    with pytest.raises(InputError, match=r"gia\.k: 9 is greater than the maximum of 8"):
        settings({"k": 9})
    # The workflow config's validator: whole numbers are ints, numbers are finite.
    with pytest.raises(InputError, match=r"gia\.n_null: 100\.0 is not of type 'integer'"):
        settings({"n_null": 100.0})
    with pytest.raises(InputError, match=r"gia\.miss_probability: nan is not of type"):
        settings({"miss_probability": float("nan")})
    with pytest.raises(InputError, match=r"gia\.bogus: unknown setting"):
        settings({"bogus": 1})
    with pytest.raises(InputError, match="quartile1"):
        settings({"nulls": "quartile1"})
    assert settings({"design": {"motif_count": {"placement": "paper"}}})["design"] == {
        "motif_count": {"placement": "paper"}
    }
    with pytest.raises(InputError, match=r"gia\.design\.count: no experiment"):
        settings({"design": {"count": {}}})


@pytest.mark.parametrize(
    ("design", "message"),
    [
        (
            {"spacing": {"spacings": ["a", "b"]}},
            "spacing.spacings: ['a', 'b'] must be a list of whole",
        ),
        ({"spacing": {"spacings": [2.5]}}, "spacing.spacings: [2.5] must be a list of whole"),
        ({"motif_count": {"max_sites": 2.5}}, "motif_count.max_sites: 2.5 must be a whole number"),
        ({"motif_count": {"compare": [1]}}, "motif_count.compare: [1] must be a list of text"),
        ({"hairpin": {"check_folds": "yes"}}, "hairpin.check_folds: 'yes' must be true or false"),
        ({"gc_bias": {"gc_offset": True}}, "gc_bias.gc_offset: True must be a whole number"),
        # Values that do not depend on the motif: checked before the k-mer search picks it.
        ({"motif_count": {"placement": "bogus"}}, "motif_count: placement must be one of"),
        ({"motif_count": {"compare": ["AGAXUG"]}}, "motif_count: pattern 'AGAXUG' must be"),
        ({"positional": {"anchors": ["frame"]}}, "positional: anchors must be among"),
        ({"gc_bias": {"gc_motif": "XYZ"}}, "gc_bias: pattern 'XYZ' must be"),
        ({"gc_bias": {"gc_offset": -1}}, "gc_bias: gc_offset must be 0 or more"),
        ({"gc_bias": {"position": "middle"}}, "gc_bias: position 'middle' is not an int"),
        ({"flanks": {"position": -2}}, "flanks: position -2: a frame column cannot be"),
        ({"kmer_mutagenesis": {"position": "5p+x"}}, "kmer_mutagenesis: position '5p+x' is"),
        ({"patterns": {"patterns": ["UGCAUG"], "position": 3.5}}, "patterns: position 3.5 is"),
        ({"hairpin": {"stem": 0}}, "hairpin: stem must be at least 1 bp"),
        ({"hairpin": {"loop_margin": -1}}, "hairpin: loop_margin cannot be negative"),
        ({"spacing": {"spacings": [3, 4, 3]}}, "spacing: spacings [3] given more than once"),
        ({"spacing": {"spacings": []}}, "spacing: no spacings given"),
        ({"positional": {"positions": [5, -1]}}, "positional: position -1: a frame column"),
        ({"positional": {"positions": [5, 5]}}, "positional: positions [5] given more than"),
    ],
)
def test_design_option_values_are_checked_before_any_prediction(design, message):
    """A typo used to pass the dry run and fail after the k-mer search, naming no key."""
    from rbpgia.errors import InputError
    from rbpgia.gia.run import settings

    with pytest.raises(InputError) as info:
        settings({"design": design})
    assert str(info.value).startswith(f"gia.design.{message}")
    # Right values pass, a single gap as a list of one.
    given = {
        "spacing": {"spacings": 5},
        "gc_bias": {"position": 17, "gc_offset": 3},
        "flanks": {"position": "5p+2"},
        "hairpin": {"stem": 8, "loop_margin": 0},
    }
    assert settings({"design": given})["design"] == {
        "spacing": {"spacings": [5]},
        "gc_bias": {"position": 17, "gc_offset": 3},
        "flanks": {"position": "5p+2"},
        "hairpin": {"stem": 8, "loop_margin": 0},
    }


def test_real_data_sets_train_on_the_papers_schedule():
    """RNAcompete 2013 and 2009: patience 20, LR x0.3 after 7, any rise of r a new best (the
    paper's code: `best_pearsonr < corr`), clip and log (GIA on log)."""
    path = REPO / "config" / "config.yaml"
    for name in ("rnacompete2013", "rnacompete2009"):
        training = load_config(path, {"dataset": name})["training"]
        assert (training["patience"], training["lr_patience"]) == (20, 7), name
        assert training["lr_factor"] == 0.3
        assert training["min_delta"] == 0, name
        assert training["norms"] == ["log", "clip"], name
    # The demo keeps its short schedule and the log model alone.
    demo = load_config(path)["training"]
    assert (demo["epochs"], demo["patience"], demo["norms"]) == (10, 4, ["log"])


def test_slurm_profile_groups_training_on_its_gpus():
    """profiles/slurm merges gpu-training.yaml over the config: RBPs grouped per GPU job."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["configfiles"] == ["profiles/slurm/gpu-training.yaml"]
    extra = yaml.safe_load((REPO / profile["configfiles"][0]).read_text())
    config = load_config(REPO / "config" / "config.yaml", {"dataset": "rnacompete2013"})
    merged = validate_config({**config, "training": {**config["training"], **extra["training"]}})
    assert merged["training"]["group_size"] == 16
    # training.gpu: the training rules book a GPU and, under --use-conda, get the GPU env.
    assert merged["training"]["gpu"] is True
    # Every job that trains, grouped or not, books a GPU.
    assert profile["set-resources"]["train_keras_group"]["gpu"] == 1
    assert profile["set-resources"]["train_keras"]["gpu"] == 1
    # The workstation default trains each RBP alone.
    assert config["training"]["group_size"] == 1


def test_external_models_default_to_none_and_a_data_sets_own_add_to_the_top_levels():
    assert validate_config(minimal())["models"] == {}
    config = minimal(models={"R1": {"path": "a.onnx"}, "R2": {"path": "b.keras"}})
    config["datasets"]["syn"]["models"] = {"R2": {"path": "c.onnx", "channels": "first"}}
    models = validate_config(config)["models"]
    assert models == {"R1": {"path": "a.onnx"}, "R2": {"path": "c.onnx", "channels": "first"}}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({}, "config key models.R1: 'path' is a required property"),
        ({"path": "m.onnx", "channel": "first"}, "unknown config key models.R1.channel"),
        ({"path": "m.onnx", "channels": "up"}, "config key models.R1.channels"),
        ({"path": "m.onnx", "reduce": "sum:3"}, "config key models.R1.reduce"),
        ({"path": "m.onnx", "alphabet": "ACGX"}, "config key models.R1.alphabet"),
        ({"path": "m.onnx", "length": 0}, "config key models.R1.length"),
        ({"path": "m.onnx", "input_type": "rna"}, "config key models.R1.input_type"),
    ],
)
def test_bad_external_model_entries_name_their_key(entry, message):
    with pytest.raises(ConfigError) as info:
        validate_config(minimal(models={"R1": entry}))
    assert message in str(info.value)


def test_external_model_files_and_rbps_are_checked_naming_the_key(tmp_path):
    from rbpgia.workflow.models import check_models, model_file, open_options

    # The framing of an ONNX model: ir_version, then an (empty) graph.
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07\x3a\x00")
    (tmp_path / "wrap.py").write_text("def f(x):\n    return x\n")
    good = {
        "R1": {"path": "m.onnx", "channels": "first", "length": 101, "alphabet": "ACGT"},
        "R2": {"path": "wrap.py:f"},
        "R3": {"path": "package.module:predict"},  # an installed module: no file to check
    }
    assert check_models(good, ["R1", "R2", "R3"], root=tmp_path) == good
    assert [model_file(entry["path"]) for entry in good.values()] == ["m.onnx", "wrap.py", None]
    assert open_options(good["R1"]) == {
        "output": None,
        "reduce": None,
        "channels_first": True,
        "length": 101,
        "input_type": None,
        "alphabet": "ACGT",
    }
    cases = [
        ({"R9": {"path": "m.onnx"}}, "config key models: R9 not in the data set (it has R1, R2)"),
        ({"R1": {"path": "x.onnx"}}, "config key models.R1.path: x.onnx does not exist"),
        ({"R1": {"path": "gone.py:f"}}, "config key models.R1.path: gone.py does not exist"),
        ({"R1": {"path": "m.h5"}}, "config key models.R1.path: m.h5: unknown model kind .h5"),
        ({"R1": {"path": "wrap.py"}}, "config key models.R1.path: wrap.py: name the function"),
        ({"R1": {"path": "fake.keras"}}, "models.R1.path: fake.keras: not a Keras model"),
        ({"R1": {"path": "fake.onnx"}}, "models.R1.path: fake.onnx: not an ONNX model"),
    ]
    (tmp_path / "fake.keras").write_text("not a model")
    (tmp_path / "fake.onnx").write_text("not a model")
    for models, message in cases:
        with pytest.raises(ConfigError) as info:
            check_models(models, ["R1", "R2"], root=tmp_path)
        assert message in str(info.value), models


def test_device_keys_default_to_no_fallback_and_a_batch_by_device():
    config = validate_config(minimal())
    assert config["training"]["allow_cpu_fallback"] is False
    assert config["gia"]["allow_cpu_fallback"] is False
    assert config["gia"]["batch_size"] is None  # rbpgia.device.gia_batch_size decides
    given = validate_config(
        minimal(training={"allow_cpu_fallback": True}, gia={"batch_size": 65536})
    )
    assert given["training"]["allow_cpu_fallback"] is True
    assert given["gia"]["batch_size"] == 65536


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("gia", "batch_size", 0), ("gia", "batch_size", 1.5), ("training", "allow_cpu_fallback", 1)],
)
def test_device_keys_are_checked(section, key, value):
    with pytest.raises(ConfigError, match=f"{section}.{key}"):
        validate_config(minimal(**{section: {key: value}}))


def test_gia_settings_of_the_library_accept_the_device_keys():
    from rbpgia.gia.run import settings

    assert settings({"batch_size": 4096})["batch_size"] == 4096
    assert settings()["batch_size"] is None


def test_structure_models_take_an_input_or_an_input_with_its_own_training():
    gia = {
        "structure_models": {
            "R1": "pu",
            "R2": {"input": "struct", "training": {"ensemble": 3, "epochs": 40, "patience": 8}},
        }
    }
    two = {"format": "synthetic", "rbps": {"R1": {"motif": "UGCAUG"}, "R2": {"motif": "UAAUU"}}}
    config = validate_config(minimal(gia=gia, datasets={"syn": two}))
    assert config["training"]["ensemble"] == 1
    assert config["gia"]["structure_models"] == {
        "R1": {"input": "pu", "training": {}},
        "R2": {"input": "struct", "training": {"ensemble": 3, "epochs": 40, "patience": 8}},
    }
    # Validating the result again (Snakemake's config is checked once more) keeps it.
    assert validate_config(config)["gia"]["structure_models"] == config["gia"]["structure_models"]


@pytest.mark.parametrize(
    ("top", "key"),
    [
        ({"rbps": ["R1", "NOPE"]}, "rbps"),
        ({"gia": {"motifs": {"NOPE": "UGCAUG"}}}, "gia.motifs"),
        ({"gia": {"structure_models": {"NOPE": "pu"}}}, "gia.structure_models"),
    ],
)
def test_a_synthetic_data_sets_rbps_are_checked_before_any_job(top, key):
    """Its RBPs are in the config: a typo is named at once, not after synthesis and
    encoding (or, for gia.motifs, never)."""
    with pytest.raises(ConfigError) as info:
        validate_config(minimal(**top))
    assert str(info.value) == (
        f"config key {key}: NOPE not in the synthetic data set 'syn' (its RBPs: R1)"
    )


@pytest.mark.parametrize(
    "entry",
    [
        "seq",
        {"training": {"ensemble": 2}},
        {"input": "pu", "training": {"ensemble": 0}},
        {"input": "pu", "training": {"group_size": 4}},
        {"input": "pu", "epochs": 4},
    ],
)
def test_bad_structure_model_entries_name_their_key(entry):
    with pytest.raises(ConfigError, match=r"config key gia\.structure_models\.R1"):
        validate_config(minimal(gia={"structure_models": {"R1": entry}}))
