"""The SageMaker metric namespaces and log group names are spelled in one module only."""

from __future__ import annotations

import ast
from pathlib import Path

from sagewatch.core.shared.namespaces import (
    ENDPOINT_LOG_GROUP_PREFIX,
    INSTANCE_NAMESPACE,
    INVOCATION_NAMESPACE,
    SAGEMAKER_NAMESPACES,
    endpoint_log_group,
)

ROOT = Path(__file__).resolve().parents[4]
RUNTIME = [ROOT / "layers" / "sagewatch" / "sagewatch", ROOT / "functions"]
HOME = ROOT / "layers" / "sagewatch" / "sagewatch" / "core" / "shared" / "namespaces.py"


def test_the_names_are_the_documented_ones() -> None:
    assert INVOCATION_NAMESPACE == "AWS/SageMaker"
    assert INSTANCE_NAMESPACE == "/aws/sagemaker/Endpoints"
    assert {INVOCATION_NAMESPACE, INSTANCE_NAMESPACE} <= SAGEMAKER_NAMESPACES
    assert endpoint_log_group("fraud") == "/aws/sagemaker/Endpoints/fraud"
    assert endpoint_log_group("fraud").startswith(ENDPOINT_LOG_GROUP_PREFIX)


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_other_runtime_module_spells_a_sagemaker_namespace_or_log_group() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in RUNTIME
        for path in sorted(folder.rglob("*.py"))
        if path != HOME
        for line, text in _string_constants(path)
        if "AWS/SageMaker" in text or "/aws/sagemaker" in text
    ]
    assert offenders == []
