"""Every template, opened and trained with its own default settings on its own default dataset, must reach
>= 0.90 validation accuracy within 3 minutes (data loading included) on a 2-core machine.

Run: `python bench/templates.py [NAME ...]` (about 8 minutes for all seven). The quick ones are also tests
(tests/models/templates/test_templates_learn.py); this adds the slow ones and the time budget.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.environment import configure_keras_environment  # noqa: E402

configure_keras_environment()

from models.templates import template_names  # noqa: E402
from models.templates.check import BUDGET_SECONDS, TARGET_ACCURACY, train_template  # noqa: E402


def main() -> int:
    names = sys.argv[1:] or template_names()
    failed = 0
    for name in names:
        outcome = train_template(name)
        ok = outcome.ok and outcome.seconds <= BUDGET_SECONDS
        failed += not ok
        print(f"{name:20s} val_accuracy {outcome.val_accuracy:.3f} (>= {TARGET_ACCURACY})  {outcome.seconds:6.1f} s "
              f"(<= {BUDGET_SECONDS:.0f})  {outcome.epochs} epochs  {outcome.status}  {'ok' if ok else 'OVER BUDGET'}",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
