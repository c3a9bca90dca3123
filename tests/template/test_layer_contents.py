"""What `sam build` puts in the Lambda artifacts: the runtime package and slack_sdk, nothing else.

The layer's source folder (``layers/sagewatch/sagewatch``) is exactly what ships; the CLI, the
alarm evaluation, the backtest, the emulated account and the simulator live in ``layers/tools``.
These tests read the built artifacts (``make template`` runs ``sam build`` first) and fail on any
emulator, simulator, CLI, alarm-evaluation, backtest or test code, or any import of a dev-only
dependency, that reached them, and on any module of the built layer that no built function's
handler reaches through its imports (tests/unit/test_layer_ships_what_functions_run.py checks
the same on the source, without a build).
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from tests.import_graph import module_names, reached

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
LAYER = BUILD / "SageWatchLayer" / "python"
SOURCE = ROOT / "layers" / "sagewatch" / "sagewatch"
RUNTIME_TAG = "cpython-313"  # template.yaml: Runtime python3.13, the layer's CompatibleRuntimes
FUNCTIONS = ("OnboardFunction", "NotifyFunction", "ReconcileFunction", "FleetWidgetFunction")

# Top-level imports that exist only in the dev virtualenv: any of them in shipped code is a bug.
DEV_ONLY_IMPORTS = {
    "sagewatch_emulator",
    "sagewatch_simulator",
    "sagewatch_cli",
    "sagewatch_evaluation",
    "moto",
    "werkzeug",
    "flask",
    "yaml",
    "pytest",
    "hypothesis",
    "tests",
    "samtranslator",
    "cfnlint",
}
DEV_ONLY_NAMES = {
    "emulator",
    "simulator",
    "oncall",
    "fake_slack",
    "demo",
    "cli",
    "evaluation",  # CloudWatch evaluates alarms; the emulator and the backtest do it in sagewatch_evaluation
    "backtest",
    "local",
    "tests",
    "conftest",
    "fixtures",
}


def _built(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make build` (make template does) first")
    return path


def _top_level_imports(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_layer_holds_only_the_runtime_package_and_slack_sdk() -> None:
    entries = {p.name for p in _built(LAYER).iterdir()}
    allowed = {"sagewatch", "slack", "slack_sdk"}
    unexpected = {e for e in entries if e not in allowed and not e.endswith(".dist-info")}
    assert not unexpected, f"unexpected top-level entries in the built layer: {sorted(unexpected)}"


def test_built_runtime_package_is_exactly_the_tracked_source_and_its_bytecode() -> None:
    built = {
        p.relative_to(LAYER / "sagewatch").as_posix() for p in _built(LAYER / "sagewatch").rglob("*") if p.is_file()
    }
    tracked = subprocess.run(
        ["git", "ls-files", "--", "."], cwd=SOURCE, capture_output=True, text=True, check=True
    ).stdout.split()
    # Lambda's /opt is read-only: without bytecode in the layer, every cold start compiles the package.
    compiled = {
        (PurePosixPath(path).parent / "__pycache__" / f"{PurePosixPath(path).stem}.{RUNTIME_TAG}.pyc").as_posix()
        for path in tracked
        if path.endswith(".py")
    }
    expected = set(tracked) | compiled
    assert built == expected, (
        f"shipped but not expected: {sorted(built - expected)}; expected but not shipped: {sorted(expected - built)}"
    )


def test_the_layers_bytecode_is_checked_against_its_source_hash() -> None:
    # PEP 552: flags 0b11 = hash-based and checked, so a .pyc never outlives its source's content,
    # whatever mtimes the zip kept.
    for pyc in _built(LAYER / "sagewatch").rglob("*.pyc"):
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        assert flags == 0b11, f"{pyc.relative_to(LAYER)}: flags {flags:#b}"


def test_no_emulator_cli_or_test_code_in_any_artifact() -> None:
    artifacts = [LAYER / "sagewatch", *(BUILD / name for name in FUNCTIONS)]
    offenders: list[str] = []
    for artifact in artifacts:
        for path in _built(artifact).rglob("*"):
            if not path.is_file():
                continue
            rel = path.relative_to(BUILD).as_posix()
            parts = path.relative_to(artifact).with_suffix("").parts
            if any(part in DEV_ONLY_NAMES or part.startswith("test_") for part in parts):
                offenders.append(f"{rel}: a dev-only name")
            if path.suffix == ".py":
                dev = _top_level_imports(path.read_text()) & DEV_ONLY_IMPORTS
                if dev:
                    offenders.append(f"{rel}: imports {sorted(dev)}")
    assert not offenders, "dev-only code in the built artifacts:\n" + "\n".join(offenders)


def test_each_function_artifact_is_its_thin_handler() -> None:
    for name in FUNCTIONS:
        files = sorted(p.name for p in _built(BUILD / name).iterdir())
        assert files == ["app.py", "requirements.txt"], f"{name}: {files}"


def test_every_module_of_the_built_layer_is_run_by_a_built_function() -> None:
    modules = {name: path for name, path in module_names(_built(LAYER)).items() if name.split(".")[0] == "sagewatch"}
    handlers = [_built(BUILD / name / "app.py") for name in FUNCTIONS]
    unreached = sorted(set(modules) - reached(handlers, modules, type_checking=False))
    assert not unreached, f"shipped in the layer, reached by no function's imports: {unreached}"
