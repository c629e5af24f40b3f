"""A throw-away single-node SLURM cluster on this machine, built from Debian's packages.

``LocalSlurm`` writes its own ``slurm.conf`` (and ``gres.conf`` with fake GPUs) into a fresh
directory, runs a private ``munged`` on its own socket and key, and starts ``slurmctld`` and
``slurmd`` on free ports, so it touches neither ``/etc/slurm`` nor a munge daemon the machine
may already run. Clients find it through ``SLURM_CONF`` (``cluster.env``). ``stop()`` cancels
what is left in the queue and ends the three daemons by the PIDs in their PID files.

Facts this relies on (Debian 12, slurm 22.05, munge 0.5.15, root, no systemd, no cgroups):
``proctrack/linuxproc`` and ``task/none`` instead of the cgroup plugins; no accounting
database, so ``sacct`` knows no jobs (and ``AccountingStorageTRES=gres/gpu`` is refused) and
the executor plugin must poll ``squeue``, which lists finished jobs for ``MinJobAge``
seconds (two hours here); a GRES needs a device file to exist (a character device made with
``mknod`` will do) or the node drains. Inside a job, snakemake-executor-plugin-slurm-jobstep
starts the rule with ``srun`` in an environment stripped of every ``SLURM_*`` variable,
``SLURM_CONF`` included; production clusters keep slurm.conf at the default path, this one
does not, so ``cluster.env`` puts a two-line ``srun`` wrapper first on ``PATH`` that sets
``SLURM_CONF`` again and runs the real ``srun``.

Usage::

    ensure_packages()            # raises Unavailable (with the reason) where it cannot
    with LocalSlurm(fake_gpus=2) as cluster:
        subprocess.run(["sbatch", ...], env=cluster.env)
        cluster.jobs()           # every job the controller knows, as dicts
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
SBIN = Path("/usr/sbin")


class Unavailable(RuntimeError):
    """This machine cannot run the cluster; the message says why (used as a skip reason)."""


def _run(args, timeout=60, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)


def missing_packages() -> list[str]:
    if shutil.which("dpkg-query") is None:
        return list(PACKAGES)
    missing = []
    for package in PACKAGES:
        result = _run(["dpkg-query", "-W", "-f", "${Status}", package])
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def ensure_packages(timeout: int = 600) -> None:
    """Install slurmctld, slurmd, slurm-client and munge with apt-get where they are missing.

    Raises ``Unavailable`` when this is not possible: not root, no apt-get (not a Debian-like
    machine), or apt-get failing (no network, no such packages).
    """
    if os.geteuid() != 0:
        raise Unavailable("a local SLURM cluster needs root (to install packages and run daemons)")
    missing = missing_packages()
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise Unavailable(f"no apt-get on this machine to install {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Wait for another apt/dpkg run to release its lock rather than failing at once.
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "-q"]
    try:
        update = _run([*apt, "update"], timeout=timeout, env=env)
        install = _run(
            [*apt, "install", "-y", "--no-install-recommends", *missing], timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"apt-get did not finish within {timeout} s") from None
    if install.returncode != 0:
        tail = (update.stderr + install.stdout + install.stderr).strip().splitlines()[-5:]
        raise Unavailable(
            f"apt-get could not install {' '.join(missing)}: " + " | ".join(tail or ["no output"])
        )
    still = missing_packages()
    if still:
        raise Unavailable(f"apt-get ran but {' '.join(still)} is still not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie does not count)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _mem_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(int(line.split()[1]) / 1024 * 0.8)
    return 4000


class LocalSlurm:
    """One node (this machine) in two partitions, ``cpu`` (the default) and ``gpu``.

    ``fake_gpus`` GRES ``gpu:fake`` are advertised, backed by character devices in the
    cluster's directory; no real GPU is needed (or used).
    """

    def __init__(
        self,
        fake_gpus: int = 2,
        partitions: tuple[str, ...] = ("cpu", "gpu"),
        root: str | os.PathLike | None = None,
    ):
        self.fake_gpus = fake_gpus
        self.partitions = partitions
        self.root = Path(root or tempfile.mkdtemp(prefix="rbpgia-slurm-"))
        self.host = socket.gethostname().split(".")[0]
        self.conf = self.root / "etc" / "slurm.conf"
        self.munge_dir = self.root / "munge"
        self.pid_files = {
            "slurmd": self.root / "run" / "slurmd.pid",
            "slurmctld": self.root / "run" / "slurmctld.pid",
            "munged": self.munge_dir / "munged.pid",
        }
        self.bin = self.root / "bin"
        self.env = dict(
            os.environ,
            SLURM_CONF=str(self.conf),
            PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        for name in ("SLURM_JOB_ID", "SLURM_JOBID", "SBATCH_PARTITION", "SLURM_ACCOUNT"):
            self.env.pop(name, None)
        self.started = False

    # -- set-up ---------------------------------------------------------------------------
    def _write_config(self) -> None:
        for sub in ("etc", "run", "log", "state", "spool", "dev", "bin"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        srun = self.bin / "srun"
        real_srun = shutil.which("srun", path="/usr/bin:/usr/local/bin") or "/usr/bin/srun"
        srun.write_text(f'#!/bin/sh\nSLURM_CONF={self.conf} exec {real_srun} "$@"\n')
        srun.chmod(0o755)
        # munged (running as user munge) must reach its directory; nothing else is shared.
        self.root.chmod(0o755)
        gres = ""
        if self.fake_gpus:
            for i in range(self.fake_gpus):
                device = self.root / "dev" / f"fakegpu{i}"
                if not device.exists():
                    os.mknod(device, 0o666 | 0o020000, os.makedev(1, 3))  # like /dev/null
            (self.root / "etc" / "gres.conf").write_text(
                f"NodeName={self.host} Name=gpu Type=fake "
                f"File={self.root}/dev/fakegpu[0-{self.fake_gpus - 1}]\n"
            )
            gres = f" Gres=gpu:fake:{self.fake_gpus}"
        log = self.root / "log"
        partitions = "\n".join(
            f"PartitionName={name} Nodes=ALL Default={'YES' if i == 0 else 'NO'} "
            "MaxTime=INFINITE State=UP"
            for i, name in enumerate(self.partitions)
        )
        self.conf.write_text(
            f"""\
ClusterName=rbpgiatest
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket={self.munge_dir}/munge.socket
StateSaveLocation={self.root}/state
SlurmdSpoolDir={self.root}/spool
SlurmctldPidFile={self.pid_files["slurmctld"]}
SlurmdPidFile={self.pid_files["slurmd"]}
SlurmctldLogFile={log}/slurmctld.log
SlurmdLogFile={log}/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Finished jobs stay visible to squeue (the executor polls it) and scontrol (the test reads
# every job's record after the run) for two hours.
MinJobAge=7200
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
GresTypes=gpu
NodeName={self.host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={_mem_mb()}{gres} \
State=UNKNOWN
{partitions}
"""
        )

    def _start_munge(self) -> None:
        munge = pwd.getpwnam("munge")
        self.munge_dir.mkdir(exist_ok=True)
        self.munge_dir.chmod(0o755)  # munged: clients need to reach its socket
        key = self.munge_dir / "munge.key"
        if not key.exists():
            key.write_bytes(secrets.token_bytes(1024))
        for path in (self.munge_dir, key):
            os.chown(path, munge.pw_uid, munge.pw_gid)
        key.chmod(0o400)
        d = self.munge_dir
        result = _run(
            [
                "runuser",
                "-u",
                "munge",
                "--",
                str(SBIN / "munged"),
                f"--socket={d}/munge.socket",
                f"--key-file={key}",
                f"--pid-file={d}/munged.pid",
                f"--log-file={d}/munged.log",
                f"--seed-file={d}/munged.seed",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(f"munged did not start: {result.stderr.strip()}")

    def start(self, timeout: float = 60) -> LocalSlurm:
        """Start munged, slurmctld and slurmd; return when the node is idle."""
        self._write_config()
        self.started = True
        self._start_munge()
        for daemon in ("slurmctld", "slurmd"):
            result = _run([str(SBIN / daemon), "-f", str(self.conf)], env=self.env)
            if result.returncode != 0:
                raise RuntimeError(f"{daemon} did not start: {result.stderr.strip()}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.run("sinfo", "-h", "-N", "-o", "%T", check=False).stdout.split()
            if states and all(state == "idle" for state in states):
                return self
            time.sleep(0.5)
        node = self.run("scontrol", "show", "node", check=False)
        raise RuntimeError(
            f"node not idle after {timeout} s: {node.stdout}{node.stderr}\n{self.log_tail()}"
        )

    # -- use ------------------------------------------------------------------------------
    def run(self, *args: str, check: bool = True, timeout: float = 30):
        """A SLURM client command against this cluster."""
        result = _run(list(args), timeout=timeout, env=self.env)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def jobs(self) -> list[dict[str, str]]:
        """Every job the controller still knows (``scontrol -d -o show job``), as dicts.

        ``JOB_GRES`` holds the generic resources a job was allocated (e.g. ``gpu:fake:1``).
        """
        out = self.run("scontrol", "-d", "-o", "show", "job").stdout
        records = []
        for line in out.splitlines():
            if not line.startswith("JobId="):
                continue
            record = {}
            for item in line.split():
                key, _, value = item.partition("=")
                record[key] = value
            records.append(record)
        return records

    def log_tail(self, lines: int = 20) -> str:
        parts = []
        for path in sorted((self.root / "log").glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path}\n" + "\n".join(text))
        return "\n".join(parts)

    # -- tear-down ------------------------------------------------------------------------
    def stop(self, timeout: float = 15) -> list[str]:
        """Cancel queued and running jobs, then end slurmd, slurmctld and munged by PID."""
        stopped = []
        if _pid(self.pid_files["slurmctld"]):
            self.run("scancel", "--full", "--state=PENDING,RUNNING", "-u", "root", check=False)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                active = self.run("squeue", "-h", "-t", "PD,R,CG", check=False).stdout.strip()
                if not active:
                    break
                time.sleep(0.5)
        for name, path in self.pid_files.items():
            pid = _pid(path)
            if pid is None:
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and alive(pid):
                time.sleep(0.2)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
                while alive(pid):
                    time.sleep(0.1)
            stopped.append(f"{name} ({pid})")
        self.started = False
        return stopped

    def remove(self) -> None:
        """Delete the cluster's directory (after ``stop``)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LocalSlurm:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
