"""Strata: build, train and look inside neural networks.

`python main.py` opens the window; `python main.py COMMAND ...` runs the same engine headless.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from models.environment import configure_keras_environment

configure_keras_environment()  # before anything can import Keras

from models.about import version_text  # noqa: E402 (must follow the environment set-up)

HEADLESS_COMMANDS = {
    "summary": "print the layer table of a project: names, types, output shapes, parameters",
    "validate": "check a project and list its problems (exit status 1 if there are any)",
    "export-code": "write plain Keras Python code that rebuilds a project's model",
    "train": "train a project's model without the GUI (on every GPU via tf.distribute when asked)",
    "inspect": "write every layer's output for one input (an image or a .npy array) to an .npz file",
    "check": "pre-flight checks before training: overfit one batch, a learning-rate range test, the data's classes "
             "and labels, whether training fits in memory",
    "lesson": "run a lesson (a claim about deep learning, measured) and write its evidence; with no name, list them",
    "sweep": "try training settings and layer parameters over a grid, at random or by Bayesian search (KerasTuner), "
             "each trial a normal run",
    "import": "turn a Keras model file (.keras, or .h5 that Keras 3 reads) or keras.applications.NAME into a Strata "
              "project with its weights",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="strata",
        usage="%(prog)s [-h] [--version] [COMMAND ...]",
        description="Strata: build, train and look inside neural networks. "
        "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    subs = {}
    for name, help_text in HEADLESS_COMMANDS.items():
        subs[name] = commands.add_parser(name, help=help_text, description=help_text)
        if name not in ("import", "lesson"):
            subs[name].add_argument("project", type=Path, help="a Strata project file (.strata.json)")
    subs["inspect"].add_argument("input", type=Path, help="an image file (prepared as the window prepares it) or a "
                                 ".npy array (used as it is)")
    subs["inspect"].add_argument("-o", "--output", type=Path, required=True, help="the .npz (or .npy) file to write")
    subs["inspect"].add_argument("--layers", help="comma-separated layer ids (default: every layer)")
    subs["import"].add_argument("model", help="a Keras model file, or keras.applications.NAME (e.g. ResNet50)")
    subs["import"].add_argument("--weights", choices=("imagenet", "none"), default="imagenet",
                                help="for keras.applications: ImageNet weights (Keras downloads them once) or random")
    subs["import"].add_argument("--size", type=int, help="for keras.applications: the input size (default: its own)")
    subs["import"].add_argument("--classes", type=int, default=1000,
                                help="for keras.applications: classes (other than 1000: a new classifier head)")
    subs["import"].add_argument("-o", "--output", type=Path, required=True,
                                help="the project file to write (its weights go beside it, in PROJECT-models/)")
    subs["summary"].add_argument("--json", action="store_true", help="machine-readable output")
    subs["summary"].add_argument("--batch-size", type=int, default=32, help="for the activation memory")
    subs["lesson"].add_argument("name", nargs="?", help="the lesson to run (none: list them)")
    subs["lesson"].add_argument("--out", type=Path, help="folder for evidence.json, project.strata.json and "
                                "model.keras (default: lesson-NAME)")
    subs["lesson"].add_argument("--quick", action="store_true", help="a smaller run (fewer seeds and epochs)")
    subs["check"].add_argument("--json", action="store_true", help="machine-readable output")
    subs["sweep"].add_argument("sweep", type=Path, help="the sweep file (JSON; the window's Sweep dialog saves one)")
    subs["sweep"].add_argument("--trials", type=int, help="override the sweep file's number of trials")
    subs["sweep"].add_argument("--out", type=Path, required=True,
                               help="folder for a folder per trial and sweep.json (an existing one resumes its sweep)")
    subs["sweep"].add_argument("--overwrite", action="store_true", help="start afresh instead of resuming from --out")
    subs["export-code"].add_argument("-o", "--output", type=Path, required=True, help="Python file to write")
    train = subs["train"]
    train.add_argument("--epochs", type=int, help="override the project's epochs")
    train.add_argument("--batch-size", type=int, help="override the project's batch size")
    train.add_argument("--device", choices=("auto", "cpu", "gpu"), help="where to train (default: the project's)")
    train.add_argument("--learning-rate", type=float, help="override the project's learning rate")
    train.add_argument("--optimizer", choices=("adam", "adamw", "sgd", "rmsprop"),
                       help="override the project's optimizer")
    train.add_argument("--seed", type=int, help="override the project's seed (weights and shuffling)")
    train.add_argument("--steps-per-epoch", type=int, metavar="N",
                       help="override the project's steps per epoch (0: the whole training set)")
    train.add_argument("--strategy", choices=("none", "mirrored", "multiworker"), default="none",
                       help="tf.distribute: mirrored = every GPU of this machine; multiworker = a TF_CONFIG cluster")
    train.add_argument("--out", type=Path, help="folder for steps.csv, history.csv/.json, model.keras and summary.json "
                       "(default: PROJECT-runs/<time> beside the project)")
    train.add_argument("--seeds", type=int, default=1, metavar="N",
                       help="train N times with seeds SEED..SEED+N-1 (each in OUT/seed-S/) and write the mean ± std "
                       "of the final metrics to OUT/seeds.json")
    train.add_argument("--processes", type=int, default=0, metavar="K",
                       help="with --seeds: train K seeds at a time, each in its own process (default: one per GPU "
                       "when there are several, else 1)")
    train.add_argument("--split-cpu", type=int, default=0, metavar="N",
                       help="make the CPU look like N devices (to try --strategy mirrored without GPUs)")
    return parser


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strata", usage="%(prog)s [-h] [--version] [PROJECT | COMMAND ...]")
    parser.add_argument("--version", action="version", version=version_text())
    parser.add_argument("project", nargs="?", type=Path, help="a project file to open in the window")
    parser.add_argument("--startup-report", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    return parser


def has_display() -> bool:
    """Whether Qt can open a window: always on macOS and Windows; elsewhere an X or Wayland display, or an
    explicit Qt platform."""
    if sys.platform in ("darwin", "win32"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run_headless(args: argparse.Namespace) -> int:
    from models.cli import commands
    if args.command == "summary":
        return commands.summary(args.project, as_json=args.json, batch_size=args.batch_size)
    if args.command == "validate":
        return commands.validate_command(args.project)
    if args.command == "export-code":
        return commands.export_code(args.project, args.output)
    if args.command == "inspect":
        from models.cli.inspect_command import inspect_command

        layers = [name.strip() for name in args.layers.split(",") if name.strip()] if args.layers else None
        return inspect_command(args.project, args.input, args.output, layers)
    if args.command == "lesson":
        from models.cli.lesson_command import lesson_command

        return lesson_command(args.name, args.out, args.quick)
    if args.command == "check":
        from models.cli.check_command import check_command

        return check_command(args.project, as_json=args.json)
    if args.command == "sweep":
        from models.cli.sweep_command import sweep_command

        return sweep_command(args.project, args.sweep, args.out, args.trials, args.overwrite)
    if args.command == "import":
        from models.cli.import_command import import_command

        return import_command(args.model, args.output, args.weights, args.size, args.classes)
    from models.cli.train import OVERRIDES, split_cpu, train_command

    if args.seeds != 1:
        return train_seeds(args)
    if args.split_cpu:
        split_cpu(args.split_cpu)
    overrides = {name: getattr(args, name) for name in OVERRIDES}
    return train_command(args.project, overrides, strategy=args.strategy, out_dir=args.out)


def train_seeds(args: argparse.Namespace) -> int:
    """`train --seeds N`: one process per seed, the other options passed on as given."""
    import time

    from models.cli.seeds import run_seeds
    from models.training.repeats import MAX_SEEDS

    if not 1 <= args.seeds <= MAX_SEEDS or args.processes < 0:
        print(f"strata train: --seeds must be from 1 to {MAX_SEEDS} and --processes 0 or more", file=sys.stderr)
        return 2
    if args.strategy != "none":
        print("strata train: --seeds trains one model per process; use it without --strategy", file=sys.stderr)
        return 2
    passed = []
    for name in ("epochs", "batch_size", "device", "learning_rate", "optimizer", "steps_per_epoch", "split_cpu"):
        value = getattr(args, name)
        if value is not None and not (name == "split_cpu" and value == 0):  # given on the command line
            passed += [f"--{name.replace('_', '-')}", str(value)]
    first = args.seed
    if first is None:
        from models.graph.project import Project, ProjectError
        from models.training.config import TrainingConfig

        try:
            first = TrainingConfig.or_defaults(Project.load(args.project).training).seed
        except (ProjectError, OSError) as error:
            print(f"{args.project}: {error}", file=sys.stderr)
            return 2
    out_dir = args.out or args.project.parent / f"{args.project.name.split('.')[0]}-runs" / time.strftime(
        "%Y%m%d-%H%M%S-seeds")
    return run_seeds(args.project, [first + i for i in range(args.seeds)], passed, out_dir, args.processes)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # One parser for the commands (and --help), one for the window's own options: the window takes an
    # optional PROJECT path, which argparse cannot tell apart from a sub-command name.
    if not argv or argv[0] not in HEADLESS_COMMANDS and argv[0] not in ("-h", "--help"):
        args = build_gui_parser().parse_args(argv)
    else:
        return run_headless(build_parser().parse_args(argv))
    if not has_display():
        print(
            "Strata needs a display to open its window, and none was found (DISPLAY is not set).\n"
            "On a machine without a screen, run it on a virtual one:  xvfb-run make run\n"
            "The headless commands work anywhere: python main.py --help",
            file=sys.stderr,
        )
        return 2
    from gui.app import run_gui

    if args.project is not None and not args.project.exists():
        print(f"strata: there is no file {args.project}", file=sys.stderr)
        return 2
    return run_gui([], startup_report=args.startup_report, quit_when_ready=args.quit_when_ready,
                   project=args.project)


def console_main() -> None:
    """The installed `strata` command (and `python main.py`)."""
    try:
        sys.exit(main())
    except BrokenPipeError:  # `strata summary x | head`: the reader left, nothing is wrong
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    console_main()
