"""Fuzzing Strata's readers at scale: thousands of mutated project files, images, npz archives and CSV tables
through the loaders the window and the CLI use (the cases of tests/fuzzing.py, more seeds).

Reports, per kind: cases, clean errors (the loader's own error with a message), loaded, unexpected exceptions
(defects; the first few are printed), hangs (a case over HANG_S) and the slowest case; and the process's peak
RSS. Target: 0 unexpected, 0 hangs, peak RSS bounded (a few hundred MB, whatever the files claim).

    python bench/fuzz.py [--cases 3000]
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import (  # noqa: E402
    Tally,
    array_files,
    check_array_file,
    check_image_bytes,
    check_project_file,
    image_bytes,
    project_texts,
    run_case,
)

HANG_S = 10.0


class GuardCount(logging.Handler):
    """Counts the cases that only the loaders' last-resort guard caught (a clean error, but no specific check)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000, help="cases per kind (default 3000)")
    parser.add_argument("--seed", type=int, default=100)
    args = parser.parse_args()
    faulthandler.dump_traceback_later(600, exit=True)  # a real hang ends the bench with the stack printed
    kinds = {
        "project files": lambda folder: (lambda t=t: check_project_file(t, folder) for t in
                                         project_texts(args.seed, args.cases)),
        "images": lambda folder: (lambda d=d: check_image_bytes(d, folder) for d in image_bytes(args.seed, args.cases)),
        "npz / CSV": lambda folder: (lambda k=k, d=d: check_array_file(k, d, folder) for k, d in
                                     array_files(args.seed, args.cases)),
    }
    failed = False
    guard = GuardCount()
    logging.getLogger().addHandler(guard)
    logging.getLogger().setLevel(logging.CRITICAL + 1)  # counted, not printed
    guard.setLevel(logging.ERROR)
    print(f"{'kind':<14} {'cases':>6} {'clean':>6} {'(guard)':>7} {'loaded':>6} {'unexpected':>10} {'hangs':>5} "
          f"{'slowest':>8}")
    started = time.perf_counter()
    for name, cases in kinds.items():
        tally = Tally()
        hangs = 0
        guard.count = 0
        with tempfile.TemporaryDirectory(prefix="strata-fuzz-") as folder:
            for case in cases(Path(folder)):
                before = time.perf_counter()
                run_case(case, tally)
                hangs += time.perf_counter() - before > HANG_S
        print(f"{name:<14} {tally.cases:>6} {tally.clean:>6} {guard.count:>7} {tally.ok:>6} "
              f"{len(tally.unexpected):>10} {hangs:>5} {tally.slowest_s:>7.2f}s")
        for detail in tally.unexpected[:3]:
            print(detail)
        failed |= bool(tally.unexpected) or hangs > 0
    print(f"peak RSS {peak_rss_mb():.0f} MB; {time.perf_counter() - started:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
