import math
import os
import re
import sys
from pathlib import Path

import pandas as pd
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version

min_version("9.0")

# The workflow runs from a checkout without an installed package too.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from rbpgia.data.per_rbp_files import DEFAULT_PATTERN, expected_files, find_files
from rbpgia.data.splits import split_problem
from rbpgia.errors import ConfigError, InputError
from rbpgia.io import read_tsv
from rbpgia.gia.run import settings as gia_settings
from rbpgia.simulate.recovery import planted_experiments
from rbpgia.workflow.config import DATASET_SECTIONS, load_schema, validate_config
from rbpgia.workflow.labels import report_labels
from rbpgia.workflow.models import EXTERNAL, check_model_rbps, check_models, model_file

try:
    _validated = validate_config(config, load_schema())
except ConfigError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None
config.clear()
config.update(_validated)
try:
    # The GIA section as the library reads it (experiment names checked, null = all).
    config["gia"] = gia_settings(config["gia"])
except InputError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None

DATASET = config["dataset"]
DATASET_CONFIG = config["datasets"][DATASET]
FORMAT = DATASET_CONFIG["format"]
# What the data themselves depend on: a data set's own training or gia keys (already merged
# into config["training"] and config["gia"]) must not re-run its synthesis.
DATA_SETTINGS = {k: v for k, v in DATASET_CONFIG.items() if k not in DATASET_SECTIONS}
OUT = f"results/{DATASET}"
LOGS = f"results/{DATASET}/logs"
# Per-job wall time and memory from Snakemake's `benchmark:` directive (not the model
# comparison, which is `benchmark/`).
TIMINGS = f"results/{DATASET}/timings"
ENV = "../envs/rbpgia.yaml"
# Rules that book a GPU (training.gpu, gia.gpu) run, under --use-conda, in the GPU environment:
# in the CPU one the job would find no GPU and stop (rbpgia.device).
GPU_ENV = "../envs/rbpgia-gpu.yaml"


def env(section):
    """The conda environment of a rule whose GPU booking config[section]["gpu"] decides."""
    return GPU_ENV if config[section]["gpu"] else ENV


# Shipped data, found beside the Snakefile whatever the working directory; relative to it, so
# that a moved or cloned checkout does not re-run the jobs that read it.
RESOURCES = Path(os.path.relpath(Path(workflow.basedir) / "resources"))


wildcard_constraints:
    rbp=r"[A-Za-z0-9][A-Za-z0-9_.-]*",


# External models (config `models:`, a data set's own `datasets.NAME.models` over it): RBP ->
# a model file GIA explains instead of the trained main model (rbpgia.workflow.models).
MODELS = config["models"]


def models_key(rbp=None):
    """The config key an RBP's external model was given under (for messages)."""
    key = f"datasets.{DATASET}.models" if rbp in DATASET_CONFIG.get("models", {}) else "models"
    return key if rbp is None else f"{key}.{rbp}"


try:
    # Files and kinds now, before any job; a synthetic data set's RBPs are known too (the
    # others' once encoded: all_targets).
    for _rbp in MODELS:
        check_models(
            {_rbp: MODELS[_rbp]},
            list(DATASET_CONFIG["rbps"]) if FORMAT == "synthetic" else None,
            key=models_key(_rbp).rsplit(".", 1)[0],
        )
except ConfigError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None


# Options of the data set's reader (rbpgia.data.read_probes).
READER_OPTIONS = (
    {"pattern": DATASET_CONFIG.get("file_pattern", DEFAULT_PATTERN)}
    if FORMAT == "per_rbp_files"
    else {}
)


def raw_input():
    """The data set's raw input as the encode rule reads it."""
    if FORMAT == "synthetic":
        return f"{OUT}/data/norm_data.txt.gz"
    path = DATASET_CONFIG["path"]
    if "url" in DATASET_CONFIG:
        return path
    where = (
        f"place the {FORMAT} data there (or give datasets.{DATASET}.url so the workflow can "
        "download it)"
    )
    if FORMAT == "per_rbp_files":
        where = (
            f"create it and place in it, {expected_files(READER_OPTIONS['pattern'])} (or give "
            f"datasets.{DATASET}.url: an archive of them the workflow downloads and unpacks)"
        )
    if not Path(path).exists():
        raise WorkflowError(f"data set {DATASET!r}: {path} does not exist; {where}")
    if FORMAT == "per_rbp_files" and Path(path).is_dir():
        try:
            find_files(path, READER_OPTIONS["pattern"])
        except InputError as err:
            raise WorkflowError(f"data set {DATASET!r}: {err}") from None
    return path


def folded_input(wildcards):
    """The synthetic generator's structure profiles, which encode reuses when they match."""
    return {"folded": f"{OUT}/data/folded.npz"} if FORMAT == "synthetic" else {}


def encoded_experiments():
    """encoded/experiments.tsv: the data set's experiments and whether each can be modelled."""
    return read_tsv(checkpoints.encode.get().output.experiments)


_SAID = set()


def say_once(message):
    """Print a warning or note once a run: input functions that find it run many times."""
    if message not in _SAID:
        _SAID.add(message)
        print(message)


def selected_rbps(wildcards=None):
    """Experiments to model: those the config asks for that have measurements enough."""
    table = encoded_experiments()
    # Too few to split at this run's training.valid_fraction (experiments.tsv knows no run).
    fraction = config["training"]["valid_fraction"]
    unsplit = {
        row.experiment: problem
        for row in table[table["status"] == "ok"].itertuples()
        if (problem := split_problem(row.n_set_a, fraction))
    }
    if unsplit:
        say_once(
            "warning: skipping experiments too small for training.valid_fraction: "
            + "; ".join(f"{rbp} ({problem})" for rbp, problem in unsplit.items())
        )
    table.loc[table["experiment"].isin(list(unsplit)), "status"] = "too_few"
    usable = table.loc[table["status"] == "ok", "experiment"].tolist()
    wanted = config["rbps"]
    if wanted == "all":
        return usable
    unknown = [rbp for rbp in wanted if rbp not in set(table["experiment"])]
    if unknown:
        raise WorkflowError(
            f"config key rbps: {', '.join(unknown)} not in data set {DATASET!r} "
            f"(it has {len(table)} experiments, e.g. {', '.join(table['experiment'][:5])})"
        )
    status = table.set_index("experiment")["status"]
    skipped = [f"{rbp} ({status[rbp]})" for rbp in wanted if rbp not in usable]
    if skipped:
        say_once(
            "warning: skipping experiments that cannot be modelled (encoded/experiments.tsv): "
            + ", ".join(skipped)
        )
    return [rbp for rbp in wanted if rbp in usable]


def model_variants():
    """(arch, input, norm) of every model trained per RBP: main models, then baselines."""
    training = config["training"]
    variants = [
        (arch, input_type, norm)
        for arch in training["models"]
        for input_type in training["inputs"]
        for norm in training["norms"]
    ]
    for arch in training["baselines"]:
        for norm in training["norms"]:
            if (arch, "seq", norm) not in variants:
                variants.append((arch, "seq", norm))
    return variants


def trained_models(rbp):
    """IDs of the models trained for ``rbp``: every variant, but the main model (the one
    GIA explains) of an RBP whose GIA runs on an external model (config ``models:``)."""
    ids = [f"{arch}_{input_type}_{norm}" for arch, input_type, norm in model_variants()]
    return [m for m in ids if not (rbp in MODELS and m == gia_model())]


def has_set_b(rbp):
    """Whether the data set measured ``rbp`` on Set B probes (a benchmark can score it)."""
    table = encoded_experiments()
    return bool(table.set_index("experiment").loc[rbp, "n_set_b"] > 0)


def benchmark_models(rbp):
    """IDs of the models the benchmark compares for ``rbp``: those trained, and its
    external model when the data set has Set B measurements to score it on."""
    external = [EXTERNAL] if rbp in MODELS and has_set_b(rbp) else []
    return trained_models(rbp) + external


def keras_variant_rbps(variant):
    """The selected RBPs a Keras model variant (``residualbind_seq_log``) is trained for."""
    # A structure-reading model only for the RBPs gia.structure_models names; no main
    # model for an RBP whose GIA runs on an external model.
    return [
        rbp
        for rbp in selected_rbps()
        if variant in trained_models(rbp) or structure_model(rbp) == variant
    ]


def training_groups(variant):
    """Group name (g000, g001, ...) -> the RBPs one train_keras_group job trains together.

    A model with training settings of its own (gia.structure_models) trains in a group of
    its own, so that a group's RBPs share one schedule.
    """
    rbps = keras_variant_rbps(variant)
    shared = [rbp for rbp in rbps if not own_training(variant, rbp)]
    size = config["training"]["group_size"]
    groups = [shared[start : start + size] for start in range(0, len(shared), size)]
    groups += [[rbp] for rbp in rbps if own_training(variant, rbp)]
    return {f"g{i:03d}": group for i, group in enumerate(groups)}


def _variant(wildcards):
    return f"{wildcards.arch}_{wildcards.input}_{wildcards.norm}"


def group_members(wildcards):
    """The RBPs of a train_keras_group job."""
    groups = training_groups(_variant(wildcards))
    if wildcards.group not in groups:
        raise WorkflowError(
            f"training group {wildcards.group} of {_variant(wildcards)} does not exist "
            f"(this run has {', '.join(groups) or 'none'})"
        )
    return groups[wildcards.group]


def _group_of(wildcards):
    for name, rbps in training_groups(_variant(wildcards)).items():
        if wildcards.rbp in rbps:
            return name
    raise WorkflowError(
        f"{wildcards.rbp} has no {_variant(wildcards)} model to train in this run "
        f"(config keys rbps, training, gia.structure_models)"
    )


def member_group(wildcards):
    """The group folder that holds an RBP's trained model (training.group_size > 1)."""
    return f"{OUT}/models/groups/{_variant(wildcards)}/{_group_of(wildcards)}"


def member_group_log(wildcards):
    return f"{LOGS}/train/{_variant(wildcards)}/groups/{_group_of(wildcards)}.log"


def group_memory(wildcards, attempt):
    """A group job's memory: training.mem_mb, and a quarter of it for each further RBP (its
    probes and model; the backend's own share is paid once), times the attempt."""
    extra = (len(group_members(wildcards)) - 1) / 4
    return attempt * math.ceil(config["training"]["mem_mb"] * (1 + extra))


def job_files(name, rbps=None):
    """``name`` (metrics.json, predictions.tsv) of every model the benchmark compares."""
    rbps = selected_rbps() if rbps is None else rbps
    return [f"{OUT}/models/{model}/{rbp}/{name}" for rbp in rbps for model in benchmark_models(rbp)]


def all_targets(wildcards):
    rbps = selected_rbps()
    check_structure_models(rbps)
    check_motif_rbps(rbps)
    check_external_models()
    targets = [
        f"{OUT}/data/summary.tsv",
        f"{OUT}/data/overview.png",
        f"{OUT}/benchmark/performance.tsv",
        *[f"{OUT}/benchmark/scatter/{rbp}.png" for rbp in rbps],
        f"{OUT}/gia/summary.tsv",
        *[f"{OUT}/gia/{gia_model_of(rbp)}/{rbp}/{name}" for rbp in rbps for name in GIA_PER_RBP],
        # The report's training histories and the paper's figures (rules in figures.smk).
        *[f"{OUT}/models/history/{rbp}.png" for rbp in rbps if keras_history_files(rbp)],
        *[f"{OUT}/figures/figure{n}.{ext}" for n in range(1, 5) for ext in ("pdf", "png")],
    ]
    if FORMAT == "synthetic":
        targets += [f"{OUT}/gia/validation.tsv", f"{OUT}/gia/validation.png"]
    return targets


# How a job computes, not what: left out of the jobs' params, so that changing them re-runs
# nothing; the job scripts read them from snakemake.config (rbpgia.device). The training
# section's batch_size is a hyperparameter and stays.
DEVICE_KEYS = ("allow_cpu_fallback", "batch_size")
# What a training job depends on: not where it runs (GPU, threads, memory, time), how the
# device is checked, nor how many RBPs train together (each trains as if alone; the rules
# differ when it changes).
TRAINING_SETTINGS = {
    key: value
    for key, value in config["training"].items()
    if key not in ("allow_cpu_fallback", "group_size", "gpu", "threads", "mem_mb", "runtime")
}
GIA_PER_RBP = ["motif_logo.png", "ism_logos.png"]
GIA_EXPERIMENTS = config["gia"]["experiments"]
# How a GIA job computes, not what: the scripts take threads from the job itself.
GIA_HOW = ("threads", "gpu", *DEVICE_KEYS)
# What the k-mer search depends on: choosing experiments, their designs or motifs, the
# support threshold, the logo's or ISM's size must not re-run every RBP's search.
GIA_SEARCH_SETTINGS = {
    key: value
    for key, value in config["gia"].items()
    if key
    not in (
        "experiments",
        "design",
        "motifs",
        "structure_models",
        "min_support",
        "runner_up",
        "logo_kmers",
        "ism_probes",
        *GIA_HOW,
    )
}
# What the experiments depend on: not which RBPs also get a structure model, nor the
# logo's or ISM's size.
GIA_EXPERIMENT_SETTINGS = {
    key: value
    for key, value in config["gia"].items()
    if key not in ("structure_models", "logo_kmers", "ism_probes", *GIA_HOW)
}


def rbp_experiment_settings(wildcards):
    """GIA_EXPERIMENT_SETTINGS less other RBPs' motifs (gia.motifs): a motif given for one
    RBP re-runs that RBP's experiments only."""
    motifs = config["gia"]["motifs"] or {}
    own = {wildcards.rbp: motifs[wildcards.rbp]} if wildcards.rbp in motifs else {}
    return {**GIA_EXPERIMENT_SETTINGS, "motifs": own}


def one_motif_settings(wildcards):
    """rbp_experiment_settings less gia.runner_up, for the jobs that place one motif only
    (a structure model's hairpin, the planted rule's tables)."""
    settings = rbp_experiment_settings(wildcards)
    del settings["runner_up"]
    return settings


def planted_settings(wildcards):
    """one_motif_settings with the design of this experiment only."""
    settings = one_motif_settings(wildcards)
    design = settings["design"] or {}
    experiment = wildcards.experiment
    settings["design"] = {experiment: design[experiment]} if experiment in design else {}
    return settings


STRUCTURE_MODELS = config["gia"]["structure_models"]
GIA_DIR = f"{OUT}/gia/{{model}}/{{rbp}}"


def gia_model():
    """The model GIA explains: the first model, input type and normalisation configured."""
    training = config["training"]
    return f"{training['models'][0]}_{training['inputs'][0]}_{training['norms'][0]}"


def gia_model_of(rbp):
    """The model GIA explains for ``rbp``: its external model (config ``models:``), if it
    has one, else the trained main model (:func:`gia_model`)."""
    return EXTERNAL if rbp in MODELS else gia_model()


def external_entry(rbp):
    """An RBP's ``models:`` entry; a clear error for an RBP that has none."""
    if rbp not in MODELS:
        raise WorkflowError(
            f"{OUT}/gia/{EXTERNAL}/{rbp}: {rbp} has no external model (config key models)"
        )
    return MODELS[rbp]


def model_spec(model, rbp):
    """What a GIA job opens (rbpgia.workflow.jobs.open_gia_model): the trained model's
    file, or the RBP's ``models:`` entry with the config key its errors name."""
    if model == EXTERNAL:
        return {**external_entry(rbp), "key": models_key(rbp)}
    return {"path": f"{OUT}/models/{model}/{rbp}/model.keras"}


def model_files(model, rbp):
    """The file(s) a model reads: model.keras, the external file, or none (an installed
    module's function)."""
    if model == EXTERNAL:
        path = model_file(external_entry(rbp)["path"])
        return [path] if path else []
    return [f"{OUT}/models/{model}/{rbp}/model.keras"]


def gia_model_spec(wildcards):
    return model_spec(wildcards.model, wildcards.rbp)


def gia_model_files(wildcards):
    return model_files(wildcards.model, wildcards.rbp)


def training_record(wildcards):
    """A trained model's metrics.json (its normaliser); an external model has none."""
    if wildcards.model == EXTERNAL:
        return []
    return [f"{OUT}/models/{wildcards.model}/{wildcards.rbp}/metrics.json"]


def check_external_models():
    """config ``models:`` names experiments of the data set (known once it is encoded)."""
    if not MODELS:
        return
    known = encoded_experiments()["experiment"]
    for rbp in MODELS:
        try:
            check_model_rbps({rbp: MODELS[rbp]}, known, key=models_key(rbp).rsplit(".", 1)[0])
        except ConfigError as err:
            raise WorkflowError(f"invalid configuration: {err}") from None


# Baselines run before the GIA experiments (priority 0): these gate only the benchmark
# table and the figures, but left to the end they would run after the last GIA job.
BASELINE_PRIORITY = 5


def training_priority(wildcards):
    """Scheduling priority of a training job: the models GIA explains go first.

    The main model gates every GIA job of its RBP and a structure model (gia.structure_models)
    its hairpin table, while the other models gate only the benchmark table; started after
    a baseline, such a model would finish late and its GIA jobs would then run on an
    otherwise idle machine.
    """
    variant = _variant(wildcards)
    rbps = [wildcards.rbp] if hasattr(wildcards, "rbp") else group_members(wildcards)
    explained = variant == gia_model() or any(variant == structure_model(rbp) for rbp in rbps)
    return 20 if explained else BASELINE_PRIORITY


def structure_model(rbp):
    """The structure-reading model the hairpin experiment runs on for ``rbp``, or None."""
    if rbp not in STRUCTURE_MODELS:
        return None
    training = config["training"]
    return f"{training['models'][0]}_{STRUCTURE_MODELS[rbp]['input']}_{training['norms'][0]}"


def own_training(variant, rbp):
    """Training keys of gia.structure_models that replace the run's for this model only."""
    if structure_model(rbp) != variant:
        return {}
    return STRUCTURE_MODELS[rbp]["training"]


def model_settings(variant, rbp):
    """The training settings of one RBP's model ``variant``."""
    return {**TRAINING_SETTINGS, **own_training(variant, rbp)}


def training_settings(wildcards):
    """The training settings of a train_keras job."""
    return model_settings(_variant(wildcards), wildcards.rbp)


def training_runtime(settings):
    """Minutes a training job asks for: training.runtime for each model it trains."""
    return config["training"]["runtime"] * settings["ensemble"]


def group_settings(wildcards):
    """The training settings of a train_keras_group job: its RBPs share them
    (:func:`training_groups`)."""
    return model_settings(_variant(wildcards), group_members(wildcards)[0])


def check_motif_rbps(rbps):
    """gia.motifs names RBPs of the data set (a synthetic one's are checked at start-up)."""
    named = list(config["gia"].get("motifs") or {})
    if not named:
        return
    known = encoded_experiments()["experiment"]
    unknown = sorted(set(named) - set(known))
    if unknown:
        raise WorkflowError(
            f"config key gia.motifs: {', '.join(unknown)} not in data set {DATASET!r} "
            f"(it has {len(known)} experiments, e.g. {', '.join(known[:5])})"
        )
    idle = sorted(set(named) - set(rbps))
    if idle:
        print(f"note: gia.motifs names RBPs not modelled in this run: {', '.join(idle)}")


def check_structure_models(rbps):
    """gia.structure_models names RBPs of the data set, a structure input and a run hairpin."""
    if not STRUCTURE_MODELS:
        return
    known = encoded_experiments()["experiment"]
    unknown = sorted(set(STRUCTURE_MODELS) - set(known))
    if unknown:
        raise WorkflowError(
            f"config key gia.structure_models: {', '.join(unknown)} not in data set "
            f"{DATASET!r} ({', '.join(known)})"
        )
    # Named but not modelled this run (config `rbps`, or no measurements): nothing to ask.
    idle = sorted(set(STRUCTURE_MODELS) - set(rbps))
    if idle:
        print(f"note: gia.structure_models names RBPs not modelled in this run: {', '.join(idle)}")
    if "hairpin" not in GIA_EXPERIMENTS:
        raise WorkflowError(
            "config key gia.structure_models: the hairpin experiment is not run; add it to "
            "gia.experiments (or leave gia.experiments null)"
        )
    main_input = config["training"]["inputs"][0]
    same = sorted(
        rbp
        for rbp, entry in STRUCTURE_MODELS.items()
        if entry["input"] == main_input and rbp not in MODELS
    )
    if same:
        raise WorkflowError(
            f"config key gia.structure_models: {', '.join(same)} already analysed with "
            f"{main_input} input (training.inputs[0])"
        )


def gia_table_model(rbp, experiment):
    """The model whose table answers ``experiment`` for ``rbp``."""
    if experiment == "hairpin" and rbp in STRUCTURE_MODELS:
        return structure_model(rbp)
    return gia_model_of(rbp)


def planted_scale(wildcards):
    """The metrics.json (normaliser) of the model whose table a planted run is compared
    with: the planted rule is put on that model's scale. None for an external model."""
    model = gia_table_model(wildcards.rbp, wildcards.experiment)
    return [] if model == EXTERNAL else [f"{OUT}/models/{model}/{wildcards.rbp}/metrics.json"]


def gia_tables(rbps=None):
    """Every GIA table the summary, validation and figures read: (rbp, experiment, path).

    The main model's (an RBP's external model's, config ``models:``), except the hairpin
    table of an RBP in gia.structure_models, which comes from its structure-reading model.
    """
    rbps = selected_rbps() if rbps is None else rbps
    return [
        (rbp, experiment, f"{OUT}/gia/{gia_table_model(rbp, experiment)}/{rbp}/{experiment}.tsv")
        for rbp in rbps
        for experiment in ["kmer_search", *GIA_EXPERIMENTS]
    ]


def runner_up_tables(rbps=None):
    """Each RBP's headlines with the search's runner-up motif, from its main model's
    experiments job (gia.runner_up)."""
    rbps = selected_rbps() if rbps is None else rbps
    return [f"{OUT}/gia/{gia_model_of(rbp)}/{rbp}/runner_up.tsv" for rbp in rbps]


def gia_table_labels():
    """(rbp, model, experiment) of each of gia_tables(): which model answered which table."""
    return [
        (rbp, gia_table_model(rbp, experiment), experiment) for rbp, experiment, _ in gia_tables()
    ]


def planted_tables(rbps=None):
    """(rbp, experiment, path) of the experiments also run on a synthetic RBP's planted rule.

    Those its validation checks, but the k-mer search (rbpgia.simulate.recovery).
    """
    if FORMAT != "synthetic":
        return []
    rbps = selected_rbps() if rbps is None else rbps
    return [
        (rbp, experiment, f"{OUT}/gia/planted/{rbp}/{experiment}.tsv")
        for rbp in rbps
        for experiment in planted_experiments(DATASET_CONFIG["rbps"][rbp])
        if experiment in GIA_EXPERIMENTS
    ]


# Inputs of the figure rules (figures.smk).


def keras_history_files(rbp):
    """history.tsv of every model of ``rbp`` trained with Keras (the k-mer ridge has none;
    an external model is not trained here)."""
    return [
        f"{OUT}/models/{model}/{rbp}/history.tsv"
        for model in trained_models(rbp)
        if not model.startswith("kmer_ridge_")
    ]


def keras_histories(wildcards):
    return keras_history_files(wildcards.rbp)


def figure_inputs(wildcards):
    """Everything the paper's figures read; checks the RBPs named in config figures."""
    rbps = selected_rbps()
    settings = config["figures"]
    for key in ("motif_rbp", "structure_rbp", "gc_rbps"):
        wanted = settings[key] if isinstance(settings[key], list) else [settings[key]]
        unknown = [rbp for rbp in wanted if rbp is not None and rbp not in rbps]
        if unknown:
            raise WorkflowError(
                f"config key figures.{key}: {', '.join(unknown)} not among the modelled RBPs "
                f"({', '.join(rbps)})"
            )
    return {
        "performance": f"{OUT}/benchmark/performance.tsv",
        "summary": f"{OUT}/gia/summary.tsv",
        "h5": f"{OUT}/encoded/probes.h5",
        "tables": [path for _, _, path in gia_tables(rbps)],
        # The Set B predictions of the model GIA explains (an external one's: predict_external).
        "predictions": [f"{OUT}/models/{gia_model_of(rbp)}/{rbp}/predictions.tsv" for rbp in rbps],
        # Figure 2's ISM panel reuses the gia_ism rule's effects (no model needed here).
        "ism": (
            [f"{OUT}/gia/{gia_model_of(rbp)}/{rbp}/ism.tsv" for rbp in rbps]
            if settings["ism_probes"]
            else []
        ),
        "affinity": [settings["affinity"]["path"]] if settings["affinity"] else [],
    }
