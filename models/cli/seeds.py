"""`python main.py train PROJECT --seeds N`: the same model and settings trained once per seed, each run in
its own folder (`seed-S/`, as a single `train` writes it), and `seeds.json` with the mean ± std of the final
metrics over the seeds.

Runs go one after another, or `--processes K` at a time, each in its own Python process: with several GPUs,
one process per GPU (CUDA_VISIBLE_DEVICES), which is the default there. Separate processes keep each seed's
weights and shuffling exactly what a single run with that seed gives (Keras's seeds are process-global).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from models.training.records import json_safe

ROOT = Path(__file__).resolve().parents[2]


def gpu_count() -> int:
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


def seed_slots(processes: int) -> list[dict[str, str]]:
    """The environment of each process slot: one GPU each when there are several, else the machine as it is."""
    gpus = gpu_count()
    if gpus > 1:
        count = processes or gpus
        return [{"CUDA_VISIBLE_DEVICES": str(i % gpus)} for i in range(count)]
    return [{}] * max(1, processes)


def run_seeds(project: Path, seeds: Sequence[int], arguments: list[str], out_dir: Path, processes: int = 0,
              out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Train `project` once per seed with the other `arguments` of the command line; write `seeds.json`.
    Exit status: 0 when every seed trained, 1 when any failed, 2 for a bad project or setting."""
    slots = seed_slots(processes)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"{len(seeds)} seeds ({seeds[0]} to {seeds[-1]}), {len(slots)} at a time", file=out, flush=True)
    pending = list(seeds)
    running: dict[int, tuple[subprocess.Popen, int, TextIO]] = {}  # slot -> (process, seed, log)
    codes: dict[int, int] = {}
    while pending or running:
        for slot, environment in enumerate(slots):
            if slot not in running and pending:
                seed = pending.pop(0)
                folder = out_dir / f"seed-{seed}"
                folder.mkdir(parents=True, exist_ok=True)
                log = open(folder / "train.log", "w", encoding="utf-8")  # noqa: SIM115 (closed below)
                command = [sys.executable, str(ROOT / "main.py"), "train", str(project), *arguments,
                           "--seed", str(seed), "--out", str(folder)]
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                           env={**os.environ, **environment})
                running[slot] = (process, seed, log)
                where = f" on GPU {environment['CUDA_VISIBLE_DEVICES']}" if environment else ""
                print(f"seed {seed}: started{where} (log: {folder / 'train.log'})", file=out, flush=True)
        time.sleep(0.2)
        for slot, (process, seed, log) in list(running.items()):
            if process.poll() is not None:
                log.close()
                codes[seed] = process.returncode
                del running[slot]
                print(f"seed {seed}: {'done' if process.returncode == 0 else 'FAILED'}", file=out, flush=True)
    if any(code == 2 for code in codes.values()):
        print((out_dir / f"seed-{seeds[0]}" / "train.log").read_text(encoding="utf-8").strip(), file=err)
        return 2
    summary = seeds_summary(out_dir, seeds)
    (out_dir / "seeds.json").write_text(json.dumps(json_safe(summary), indent=2, allow_nan=False), encoding="utf-8")
    figures = ", ".join(f"{m} {summary['mean'][m]:.4g} ± {summary['std'][m]:.2g}" for m in summary["mean"])
    print(f"{len(summary['runs'])} seeds, mean ± std: {figures}", file=out)
    print(f"wrote {out_dir}/seeds.json and a folder per seed", file=out)
    return 0 if all(code == 0 for code in codes.values()) else 1


def seeds_summary(out_dir: Path, seeds: Sequence[int]) -> dict[str, Any]:
    """Each seed's status and final metrics (from its summary.json), and their mean and population std over
    the seeds that finished."""
    runs = []
    for seed in seeds:
        path = out_dir / f"seed-{seed}" / "summary.json"
        summary = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"status": "error"}
        runs.append({"seed": seed, "status": summary.get("status"), "final": summary.get("final") or {}})
    finished = [run for run in runs if run["status"] in ("completed", "early_stopping")]
    metrics = sorted({m for run in finished for m in run["final"] if m != "learning_rate"})
    values = {m: [run["final"][m] for run in finished if run["final"].get(m) is not None] for m in metrics}
    return {"seeds": list(seeds), "runs": runs,
            "mean": {m: float(np.mean(v)) for m, v in values.items() if v},
            "std": {m: float(np.std(v)) for m, v in values.items() if v}}
