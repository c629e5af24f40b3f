"""The workflow on a real SLURM cluster (one node: this machine) through the executor plugin.

Opt-in, because it installs Debian packages and starts daemons: it runs with
``RBPGIA_SLURM_TEST=1`` (``make test-slurm`` alone; ``.ci/run`` sets it for ``make test``,
which then gives it a worker of its own) and is skipped otherwise, or where the machine
cannot install slurmctld, slurmd and munge (not root, no apt-get, apt-get failing), with the
reason in the skip message.

One module-scoped run does the work (about 10 min on a busy 2-core machine, mostly waiting):

* ``local_slurm.LocalSlurm`` starts munged, slurmctld and slurmd with two partitions, ``cpu``
  (default) and ``gpu``, and two fake GPUs (GRES ``gpu:fake``, backed by ``mknod`` devices);
* the TINY configuration of the end-to-end test (plus ``training.gpu: true``) runs through
  ``snakemake --profile <test profile> --executor slurm``, where the test profile is
  ``profiles/slurm/config.yaml`` and its ``partitions.yaml`` with the few changes this cluster
  needs (``make_test_profile``): training jobs ask for a GPU through the workflow config,
  GIA jobs through the profile (with a GPU type), and both must land in the GPU partition
  while every other job lands in the CPU partition, without a GPU;
* at the same time the reference is made, if no test has made it yet: the TINY run the
  workflow tests share (``finished_run``, tests/tiny_run.py; the same configuration but for
  the two settings that only say where jobs may run);
* the daemons are stopped by PID at the end, and the test checks that they are gone.

What is compared with the local run (``test_results_equal_the_local_run``, by
``tiny_run.same_output``, as the interrupt test compares its re-run): two local runs of
TINY on one machine agree bit for bit in everything except wall-clock figures (``seconds`` and
``train_samples_per_s`` in ``metrics.json``, the ``seconds`` column of ``history.tsv``) and the
save date inside ``model.keras``; so the SLURM run is compared exactly, without tolerances:

* the synthesized table (decompressed) and every array of ``encoded/probes.h5``;
* every table (``*.tsv``, ``*.json``) under ``results/tiny`` except ``timings/`` and ``logs/``,
  with the timing columns and keys above left out: data summary, each model's predictions,
  history and metrics, ``benchmark/performance.tsv`` (Pearson r) and ``paired_differences.tsv``,
  every GIA table, ``gia/summary.tsv`` and ``gia/validation.tsv``;
* the trained weights (every array of ``model.weights.h5`` in each ``model.keras``, and each
  k-mer ridge ``model.npz``).

Figures (PNG, PDF) are only checked to be complete files. Bit-identity holds because both runs
use the same machine, TensorFlow build and thread counts; on different CPUs the model-derived
numbers would differ in the last digits.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
import local_slurm  # noqa: E402
from local_slurm import LocalSlurm, Unavailable, ensure_packages  # noqa: E402
from test_end_to_end import TINY  # noqa: E402
from tiny_run import h5_arrays, result_files, same_output  # noqa: E402

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        os.environ.get("RBPGIA_SLURM_TEST") != "1",
        reason="SLURM test is opt-in: RBPGIA_SLURM_TEST=1 (or `make test-slurm`) installs "
        "slurmctld, slurmd and munge and runs the workflow on a local cluster",
    ),
]

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
CONFIG = copy.deepcopy(TINY)
CONFIG["training"]["gpu"] = True  # train_keras declares gpu=1; partitions.yaml routes it
# The fake GPUs cannot compute: the jobs given one say so and go on on the CPU (rbpgia.device).
CONFIG["training"]["allow_cpu_fallback"] = True
CONFIG["gia"]["allow_cpu_fallback"] = True
GPU_RULES = {"train_keras", "gia_kmer_search", "gia_experiments", "gia_ism"}
TIMEOUT = 1800


def make_test_profile(root: Path) -> Path:
    """profiles/slurm/config.yaml with the changes this cluster (and a quick test) needs."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    profile.update(
        {
            # No slurmdbd here: sacct knows no jobs. squeue lists finished jobs for MinJobAge.
            "slurm-status-command": "squeue",
            "slurm-init-seconds-before-status-checks": 5,
            "slurm-keep-successful-logs": True,  # the test counts them
            "latency-wait": 10,
            "retries": 0,  # a failure should fail the test, not be retried
            "keep-going": False,
        }
    )
    profile["default-resources"].pop("slurm_account", None)
    # Partitions: the shipped partitions.yaml (cpu, gpu), which this cluster has too.
    profile["slurm-partition-config"] = str(REPO / "profiles" / "slurm" / "partitions.yaml")
    # train_keras: no GPU from the profile; it comes from the workflow config instead
    # (training.gpu: true -> gpu=1), and partitions.yaml must route the job by it.
    profile["set-resources"]["train_keras"].pop("gpu")
    # One RBP per training job, as in the local run this one is compared with: the grouped
    # training of gpu-training.yaml has its own test (tests/workflow/test_group_training.py).
    profile.pop("configfiles")
    # GIA: the profile's commented GPU entries, switched on, with a GPU type.
    for rule in ("gia_kmer_search", "gia_experiments", "gia_ism"):
        profile["set-resources"][rule] = {"gpu": 1, "gpu_model": "fake"}
    path = root / "profile"
    path.mkdir()
    (path / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return path


def write_config(workdir: Path) -> None:
    (workdir / "config").mkdir(parents=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(CONFIG))


def executed_jobs(output: str) -> Counter:
    """Jobs a Snakemake run executed, per rule (its "rule NAME:" blocks), without ``all``.

    Snakemake's "Job stats" table cannot serve: the encode checkpoint makes it list only
    the jobs known before the checkpoint ran.
    """
    rules = re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):$", output, re.M)
    return Counter(rule for rule in rules if rule != "all")


def rule_of(record: dict[str, str]) -> str:
    """A SLURM job's rule, from the plugin's comment: rule_<name>[_wildcards_<values>]."""
    return record["Comment"].removeprefix("rule_").split("_wildcards_")[0]


def jobs_behind(workdir: Path) -> Counter:
    """Jobs whose outputs a finished run holds, per rule: from Snakemake's metadata, one
    record per output file, each naming its rule and its job's hash."""
    records = (
        json.loads(path.read_text()) for path in (workdir / ".snakemake" / "metadata").iterdir()
    )
    return Counter(rule for rule, _ in {(record["rule"], record["job_hash"]) for record in records})


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    try:
        ensure_packages()
    except Unavailable as reason:
        pytest.skip(f"no local SLURM cluster: {reason}")
    root = tmp_path_factory.mktemp("slurm")
    on_slurm = root / "on_slurm"
    write_config(on_slurm)
    profile = make_test_profile(root)
    start = time.monotonic()
    cluster = LocalSlurm(fake_gpus=2)
    run = None
    try:
        cluster.start()
        with open(root / "slurm.out", "w") as slurm_out:
            run = subprocess.Popen(
                [
                    SNAKEMAKE,
                    "-s",
                    str(REPO / "Snakefile"),
                    "--directory",
                    str(on_slurm),
                    "--profile",
                    str(profile),
                    "--executor",
                    "slurm",
                    "--verbose",  # prints each sbatch call
                ],
                cwd=on_slurm,
                stdout=slurm_out,
                stderr=subprocess.STDOUT,
                env=dict(cluster.env, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow"),
                start_new_session=True,  # its own process group, to end it with its jobs
            )
        # Meanwhile the reference: the session's local TINY run, made now if no test has
        # asked for it yet (its jobs and the cluster's then share the machine).
        local = request.getfixturevalue("finished_run")
        returncode = run.wait(timeout=TIMEOUT)
        jobs = cluster.jobs()
        cluster_log = cluster.log_tail()
    finally:
        if run is not None and run.poll() is None:  # only when something above failed
            os.killpg(run.pid, signal.SIGTERM)
            run.wait(timeout=60)
        stopped = cluster.stop()
        cluster.remove()
    output = (root / "slurm.out").read_text()
    assert returncode == 0, output[-4000:] + "\n" + cluster_log
    print(f"the SLURM run took {time.monotonic() - start:.0f} s; stopped {stopped}")
    return {
        "on_slurm": on_slurm,
        "local": local,
        "output": output,
        "jobs": jobs,
        "stopped": stopped,
    }


def test_every_job_was_submitted_with_sbatch(runs):
    expected = executed_jobs(runs["output"])
    # The same jobs as the local run's.
    assert expected == jobs_behind(runs["local"])
    assert expected["gia_experiments"] == 2  # one job per RBP runs its 7 experiments
    jobs = runs["jobs"]
    assert Counter(rule_of(job) for job in jobs) == expected
    assert all(job["JobState"] == "COMPLETED" and job["ExitCode"] == "0:0" for job in jobs)
    # Job names come from the profile's slurm-jobname-prefix and the run's ID.
    assert {job["JobName"].split("_")[0] for job in jobs} == {"rbpgia"}
    assert len({job["JobName"] for job in jobs}) == 1
    # The plugin's own records: one sbatch call and one kept log per job.
    calls = re.findall(r"^sbatch call: (sbatch .*)$", runs["output"], re.M)
    assert len(calls) == sum(expected.values())
    logs = list((runs["on_slurm"] / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert len(logs) == len(jobs)
    assert {log.stem for log in logs} == {job["JobId"] for job in jobs}


def test_resources_reach_sbatch(runs):
    calls = re.findall(r"^sbatch call: (sbatch .*)$", runs["output"], re.M)
    by_rule = {}
    for call in calls:
        rule = re.search(r"--comment '?rule_(\w+?)(?:_wildcards_|'|\s)", call).group(1)
        by_rule.setdefault(rule, []).append(call)
    for rule, rule_calls in by_rule.items():
        for call in rule_calls:
            assert " --mem " in call, call
            assert " -t " in call, call
            if rule in GPU_RULES:
                assert " -p gpu" in call, call
            else:
                assert " -p cpu" in call, call
                assert "--gpus" not in call, call
    # training.gpu: true in the config -> gpu=1 -> sbatch --gpus=1 (any type).
    assert all("--gpus=1" in call for call in by_rule["train_keras"])
    # The profile's gpu + gpu_model for GIA rules -> --gpus=fake:1.
    gia_calls = [call for rule in GPU_RULES - {"train_keras"} for call in by_rule[rule]]
    assert all("--gpus=fake:1" in call for call in gia_calls)
    assert all("--cpus-per-task=2" in call for call in by_rule["encode"])


def test_gpu_jobs_got_a_fake_gpu(runs):
    for job in runs["jobs"]:
        rule = rule_of(job)
        if rule in GPU_RULES:
            assert job["Partition"] == "gpu", job
            assert job["TresPerJob"] in ("gres:gpu:1", "gres:gpu:fake:1"), job  # asked for
            assert job["JOB_GRES"] == "gpu:fake:1", job  # and allocated one fake GPU
        else:
            assert job["Partition"] == "cpu", job
            assert "TresPerJob" not in job, job
            assert job.get("JOB_GRES", "(null)") == "(null)", job


def test_training_jobs_logged_their_device_and_the_fallback(runs):
    logs = sorted((runs["on_slurm"] / "results" / "tiny" / "logs" / "train").rglob("*.log"))
    keras_logs = [path for path in logs if not path.parent.name.startswith("kmer_ridge")]
    assert keras_logs
    for path in keras_logs:
        text = path.read_text()
        assert "device: tensorflow on CPU (given a GPU: resources gpu=1" in text, path
        assert "Continuing on the CPU, as allow_cpu_fallback allows" in text, path


def test_daemons_were_stopped_by_pid(runs):
    assert sorted(name.split()[0] for name in runs["stopped"]) == ["munged", "slurmctld", "slurmd"]
    for name in runs["stopped"]:
        pid = int(name.split("(")[1].rstrip(")"))
        assert not local_slurm.alive(pid), name  # gone, or a zombie awaiting its reaper


def test_results_equal_the_local_run(runs):
    """Every output equals the local run's (tiny_run.same_output): tables and JSON exactly
    but for wall-clock fields, the encoded pool's arrays, every model's weights."""
    ours, theirs = (runs[run] / "results" / "tiny" for run in ("on_slurm", "local"))
    files = result_files(runs["local"])
    assert result_files(runs["on_slurm"]) == files
    assert sum(path.suffix in (".tsv", ".json") for path in files) > 40
    models = [path for path in files if path.stem == "model"]
    assert len(models) == 7  # 3 per RBP, and R_STRUCT's pu model (gia.structure_models)
    assert len(h5_arrays(theirs / "encoded" / "probes.h5")) >= 6
    differ = [str(path) for path in files if not same_output(ours / path, theirs / path)]
    assert not differ, f"differ from the local run: {differ}"
