"""Sweep what a real run left behind: ``make e2e-clean PREFIX=sw-e2e-… REGION=… [PROFILE=…]``.

The scenario cleans up after itself, after a failure too; this is for a run that could not (a
killed process, expired credentials). It reads everything named or tagged with the prefix,
prints the plan (tests/e2e/cleanup.py), carries it out unless ``--dry-run``, and prints what is
still left. Only prefixes of the suite's own shape are accepted (``sw-e2e-MMDDHHMM-xxxx``).

Exit codes: 0 nothing left, 1 something left, 2 usage or refused (a prefix of another shape, no
credentials).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tests.e2e.cleanup import leftovers, plan
from tests.e2e.naming import NotARunPrefixError, RunNames
from tests.e2e.settings import boto3_has_credentials
from tests.e2e.sweeper import Sweeper, read_inventory


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make e2e-clean", description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", required=True, help="the run's prefix, printed at its start (sw-e2e-…)")
    parser.add_argument("--region", required=True)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--dry-run", action="store_true", help="print the plan, remove nothing")
    args = parser.parse_args(argv)
    try:
        names = RunNames(args.prefix, args.region)
    except NotARunPrefixError as refused:
        print(refused, file=sys.stderr)
        return 2
    if not boto3_has_credentials(args.profile, args.region):
        print("no AWS credentials found (environment, or --profile)", file=sys.stderr)
        return 2

    import boto3

    session = boto3.Session(profile_name=args.profile, region_name=args.region)

    def client(service: str) -> object:
        return session.client(service)  # type: ignore[call-overload]

    steps = plan(names, read_inventory(client, names))
    print(f"{len(steps)} step(s) for {names.prefix} in {names.region}:")
    for step in steps:
        print(f"  {step}")
    if args.dry_run:
        return 0
    sweep = Sweeper(client, names).sweep()
    for step, error in sweep.failed:
        print(f"failed: {step}: {error}", file=sys.stderr)
    left = leftovers(read_inventory(client, names))
    for line in left:
        print(f"left: {line}")
    if not left:
        print("nothing left (tagged resources can take minutes to leave the tagging index)")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
