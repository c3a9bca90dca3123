"""``sagewatch``: the project's command line (dev-only: not shipped in the Lambda layer).

    sagewatch invoke OnboardFunction --event events/onboard/in-service-cpu.json --emulated
    sagewatch demo --emulated --out build/demo

``invoke`` runs a function of template.yaml in an emulated AWS account (moto on 127.0.0.1),
the way ``sam local invoke`` resolves it, and prints the outcome as JSON on stdout (response,
error, AWS calls, Slack messages, emails); the function's logs go to stderr. Exit code 0 when
the handler returned, 1 when it raised. ``demo`` plays the onboarding story. Both need
``--emulated`` for now: running against a real account arrives later.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_REAL_ACCOUNT_LATER = (
    "sagewatch {command}: only the emulated account is supported for now; pass --emulated "
    "(running against a real AWS account arrives in a later version)"
)


def _key_values(pairs: Sequence[str], option: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"sagewatch: {option} expects KEY=VALUE, got {pair!r}")
        values[key] = value
    return values


def _read_event(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise SystemExit(f"sagewatch invoke: cannot read event {source}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"sagewatch invoke: event {source} is not JSON: {exc}") from exc


def _invoke(args: argparse.Namespace) -> int:
    if not args.emulated:
        print(_REAL_ACCOUNT_LATER.format(command="invoke"), file=sys.stderr)
        return EXIT_USAGE
    event = _read_event(args.event)
    parameters = _key_values(args.parameter, "--parameter")
    env = _key_values(args.env, "--env")

    from sagewatch.local import EmulatedAccount, EmulatorError, TemplateError  # dev-only, slow

    try:
        with EmulatedAccount(args.template, region=args.region, parameters=parameters) as account:
            invocation = account.invoke(args.logical_id, event, environment=env)
    except (EmulatorError, TemplateError) as exc:
        print(f"sagewatch invoke: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for line in invocation.logs:
        print(line, file=sys.stderr)
    json.dump(invocation.to_dict(), sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return EXIT_OK if invocation.error is None else EXIT_FAILED


def _demo(args: argparse.Namespace) -> int:
    if not args.emulated:
        print(_REAL_ACCOUNT_LATER.format(command="demo"), file=sys.stderr)
        return EXIT_USAGE
    from sagewatch.local.demo import run_demo  # dev-only; imports moto

    return run_demo(args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sagewatch",
        description="SageWatch: CloudWatch dashboards, alarms and alerts for SageMaker endpoints.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    invoke = commands.add_parser(
        "invoke",
        help="run a template function with an event (like sam local invoke)",
        description="Run a function of template.yaml in-process with an event, like sam local invoke, "
        "and print the outcome as JSON (logs go to stderr).",
    )
    invoke.add_argument("logical_id", metavar="LOGICAL_ID", help="the function's logical id, e.g. OnboardFunction")
    invoke.add_argument("--event", "-e", required=True, metavar="FILE", help="JSON event file ('-' for stdin)")
    invoke.add_argument("--emulated", action="store_true", help="run in an emulated AWS account (moto on 127.0.0.1)")
    invoke.add_argument(
        "--template", "-t", type=Path, default=None, help="template (default: the repo's template.yaml)"
    )
    invoke.add_argument("--region", default="us-east-1", help="region of the emulated account (default: us-east-1)")
    invoke.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter override (repeatable)",
    )
    invoke.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment variable (repeatable)",
    )
    invoke.set_defaults(run=_invoke)

    demo = commands.add_parser(
        "demo",
        help="play the onboarding story in the emulated account",
        description="Create endpoints in an emulated account, onboard them, and show alarms and dashboards.",
    )
    demo.add_argument("--emulated", action="store_true", help="run in an emulated AWS account (moto on 127.0.0.1)")
    demo.add_argument("--out", type=Path, default=Path("build/demo"), help="output directory (default: build/demo)")
    demo.set_defaults(run=_demo)
    return parser


@contextlib.contextmanager
def _emulator_warnings_to_stderr() -> Iterator[None]:
    """For the command's duration, the emulator's own warnings (e.g. a call moto does not
    implement) go to stderr. Not through the root logger: that one belongs to the function
    under test, as on Lambda."""
    emulator_logger = logging.getLogger("sagewatch.local")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("sagewatch: %(levelname)s %(message)s"))
    saved_level, saved_propagate = emulator_logger.level, emulator_logger.propagate
    emulator_logger.addHandler(handler)
    emulator_logger.setLevel(logging.WARNING)
    emulator_logger.propagate = False
    try:
        yield
    finally:
        emulator_logger.removeHandler(handler)
        emulator_logger.setLevel(saved_level)
        emulator_logger.propagate = saved_propagate


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with _emulator_warnings_to_stderr():
        result: int = args.run(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
