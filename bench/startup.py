"""Start-up time: process start -> first painted window, and -> TensorFlow ready.

Budget (issue 2): the window is painted within 1.5 s (median) while TensorFlow, which takes
2.5-3.6 s to import here, is still loading. Run under a real (virtual) display: `make bench`.

    python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAINT_BUDGET_S = 1.5


def one_start(work: Path) -> dict[str, float]:
    report = work / "startup.json"
    report.unlink(missing_ok=True)
    env = {**os.environ, "XDG_CONFIG_HOME": str(work)}  # fresh settings: no restored layout
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.time()
    subprocess.run(
        [sys.executable, "main.py", "--startup-report", str(report), "--quit-when-ready"],
        cwd=ROOT, env=env, check=True, timeout=120, capture_output=True,
    )
    times = json.loads(report.read_text())
    return {
        "paint": times["first_paint"] - started,
        "ready": times["runtime_ready"] - started,
        "tf_at_paint": times["tensorflow_imported_at_first_paint"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    platform = "xcb (" + os.environ["DISPLAY"] + ")" if os.environ.get("DISPLAY") else "offscreen"
    with tempfile.TemporaryDirectory() as work:
        one_start(Path(work))  # warm the file cache, as a second launch of a desktop app would
        runs = [one_start(Path(work)) for _ in range(args.runs)]
    paint = statistics.median(r["paint"] for r in runs)
    ready = statistics.median(r["ready"] for r in runs)
    print(f"platform: {platform}, runs: {args.runs}")
    print("first paint  s: " + " ".join(f"{r['paint']:.2f}" for r in runs))
    print("TF ready     s: " + " ".join(f"{r['ready']:.2f}" for r in runs))
    print(f"median first paint     {paint:.2f} s  (budget <= {PAINT_BUDGET_S} s)")
    print(f"median TensorFlow ready {ready:.2f} s")
    print(f"TensorFlow imported before first paint in {sum(r['tf_at_paint'] for r in runs)} of {args.runs} runs")
    ok = paint <= PAINT_BUDGET_S and not any(r["tf_at_paint"] for r in runs)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
