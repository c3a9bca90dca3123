"""Reading a SAM/CloudFormation template the way CloudFormation would, without AWS.

Three pieces, all pure (no boto3, no network):

- :func:`load_template` — a YAML loader that understands the CloudFormation short tags
  (``!Ref``, ``!Sub``, ``!GetAtt``, ``!If`` …) and maps them to their long form
  (``{"Ref": ...}``, ``{"Fn::Sub": ...}``), and that leaves dates such as
  ``AWSTemplateFormatVersion: 2010-09-09`` as strings.
- :class:`Template` — the sections of a loaded template, plus SAM's ``Globals`` merge.
- :class:`Resolver` — evaluates parameters (defaults, overrides), ``Conditions`` and the
  intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Select, Fn::Split,
  Fn::FindInMap, Fn::Equals/Not/And/Or, Fn::Base64, Fn::GetAZs, Fn::Length,
  Fn::ToJsonString). What a resource's Ref or GetAtt yields comes from an
  :class:`AttributeSource`, so the same resolver serves pure unit tests (a static map) and
  the emulated account (the resources it provisioned).
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from sagewatch.core.shared.partitions import partition

__all__ = [
    "NO_VALUE",
    "AttributeSource",
    "Resolver",
    "StaticAttributes",
    "Template",
    "TemplateError",
    "default_template_path",
    "load_template",
    "merge_globals",
    "references_of",
]

SSM_PARAMETER_TYPE_PREFIX = "AWS::SSM::Parameter::Value<"


class TemplateError(Exception):
    """The template cannot be read or resolved; the message names the place and the reason."""


# --- YAML with CloudFormation short tags ---------------------------------------------------


try:  # libyaml's parser is ~10x faster; the constructors below are the same either way
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _CfnLoader(_SafeLoader):
    """SafeLoader + CloudFormation tags; timestamps stay strings (``Version: 2012-10-17``)."""


# Drop the implicit timestamp resolver: CloudFormation reads 2010-09-09 as a string.
_CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}

_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)


def _construct_node(loader: Any, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unsupported YAML node {node!r}")  # pragma: no cover - yaml has no other kind


def _long_form(key: str) -> Callable[[Any, yaml.Node], dict[str, Any]]:
    def construct(loader: Any, node: yaml.Node) -> dict[str, Any]:
        return {key: _construct_node(loader, node)}

    return construct


def _construct_getatt(loader: Any, node: yaml.Node) -> dict[str, Any]:
    value = _construct_node(loader, node)
    if isinstance(value, str):
        # "Resource.Attr.With.Dots": the logical id never contains a dot, the attribute may.
        logical_id, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {"Fn::GetAtt": value}


_CfnLoader.add_constructor("!Ref", _long_form("Ref"))
_CfnLoader.add_constructor("!Condition", _long_form("Condition"))
_CfnLoader.add_constructor("!GetAtt", _construct_getatt)
for _name in _FN_TAGS:
    _CfnLoader.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))


def default_template_path() -> Path:
    """``template.yaml`` of the repository this package lives in, else of the working directory."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "template.yaml").is_file() and (parent / "layers").is_dir():
            return parent / "template.yaml"
    return Path.cwd() / "template.yaml"


def load_template(source: str | Path) -> dict[str, Any]:
    """Parse a template file (YAML or JSON) into plain dicts, short tags in long form."""
    path = Path(source).resolve()
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in _PARSED:
            _PARSED.clear()  # keep one: accounts open and close per test on the same file
            _PARSED[key] = parse_template(path.read_text(encoding="utf-8"), name=str(path))
    except OSError as exc:
        raise TemplateError(f"cannot read template {path}: {exc}") from exc
    return copy.deepcopy(_PARSED[key])


_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


def parse_template(text: str, *, name: str = "<template>") -> dict[str, Any]:
    """Parse template text; see :func:`load_template`."""
    try:
        document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - _CfnLoader extends SafeLoader
    except yaml.YAMLError as exc:
        raise TemplateError(f"{name} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise TemplateError(f"{name} is not a template (expected a mapping at the top)")
    return document


# --- the template's sections ---------------------------------------------------------------


def _is_intrinsic(value: Any) -> bool:
    """``{"Ref": ...}``, ``{"Condition": ...}`` or ``{"Fn::...": ...}``: one value, not a map."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return key in ("Ref", "Condition") or (isinstance(key, str) and key.startswith("Fn::"))


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals merge: maps merge deeply (local keys win), lists concatenate (global
    first), anything else — including an intrinsic function — is taken from the resource."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return copy.deepcopy(local_value)
        merged = copy.deepcopy(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return copy.deepcopy(global_value) + copy.deepcopy(local_value)
    return copy.deepcopy(local_value)


_GLOBALS_SECTION_OF_TYPE = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
}


@dataclass(frozen=True)
class Template:
    """A loaded template. ``directory`` anchors relative CodeUri/ContentUri paths."""

    document: Mapping[str, Any]
    directory: Path = field(default_factory=Path.cwd)

    @classmethod
    def load(cls, path: str | Path) -> Template:
        path = Path(path).resolve()
        return cls(document=load_template(path), directory=path.parent)

    @classmethod
    def from_text(cls, text: str, directory: Path | None = None) -> Template:
        return cls(document=parse_template(text), directory=directory or Path.cwd())

    def _section(self, name: str) -> dict[str, Any]:
        value = self.document.get(name) or {}
        if not isinstance(value, dict):
            raise TemplateError(f"section {name} must be a mapping")
        return value

    @property
    def parameters(self) -> dict[str, Any]:
        return self._section("Parameters")

    @property
    def conditions(self) -> dict[str, Any]:
        return self._section("Conditions")

    @property
    def mappings(self) -> dict[str, Any]:
        return self._section("Mappings")

    @property
    def resources(self) -> dict[str, Any]:
        return self._section("Resources")

    @property
    def outputs(self) -> dict[str, Any]:
        return self._section("Outputs")

    @property
    def globals(self) -> dict[str, Any]:
        return self._section("Globals")

    def resource(self, logical_id: str) -> dict[str, Any]:
        try:
            resource = self.resources[logical_id]
        except KeyError:
            raise TemplateError(f"the template has no resource {logical_id!r}") from None
        if not isinstance(resource, dict) or "Type" not in resource:
            raise TemplateError(f"resource {logical_id} has no Type")
        return resource

    def resource_type(self, logical_id: str) -> str:
        return str(self.resource(logical_id)["Type"])

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's Properties, with the template's Globals merged in for SAM types."""
        resource = self.resource(logical_id)
        local = copy.deepcopy(resource.get("Properties") or {})
        section = _GLOBALS_SECTION_OF_TYPE.get(str(resource["Type"]))
        if section is None:
            return local
        merged = merge_globals(self.globals.get(section) or {}, local)
        return merged if isinstance(merged, dict) else local


# --- resolving intrinsic functions ---------------------------------------------------------


class _NoValue:
    """``AWS::NoValue``: removes the property or list item it stands for."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class AttributeSource(Protocol):
    """What Ref and Fn::GetAtt yield for resources (not parameters)."""

    def has(self, logical_id: str) -> bool:
        """True for resources the template does not declare but that exist anyway (SAM's
        implicit resources such as ``<Function>Role`` or ``<Function><Event>``)."""
        ...

    def ref(self, logical_id: str) -> Any: ...

    def get_att(self, logical_id: str, attribute: str) -> Any: ...


@dataclass
class StaticAttributes:
    """An :class:`AttributeSource` from a plain map: ``{"Topic": {"Ref": arn, "TopicName": n}}``."""

    values: Mapping[str, Mapping[str, Any]]

    def has(self, logical_id: str) -> bool:
        return logical_id in self.values

    def ref(self, logical_id: str) -> Any:
        return self.get_att(logical_id, "Ref")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        try:
            return self.values[logical_id][attribute]
        except KeyError:
            raise TemplateError(f"no value known for {logical_id}.{attribute}") from None


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _as_string(value: Any, where: str) -> str:
    """CloudFormation's view of a scalar: every parameter and attribute value is a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TemplateError(f"{where}: expected a string, got {type(value).__name__} {value!r}")


class Resolver:
    """Evaluates parameters, conditions and intrinsic functions of one template.

    ``parameters`` override the template's defaults (CloudFormation parameter overrides).
    Parameters of type ``AWS::SSM::Parameter::Value<...>`` are never fetched: they resolve to
    ``ssm_placeholder(name, path)`` (by default ``"emulated-ssm:<path>"``).
    """

    def __init__(
        self,
        template: Template,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        stack_name: str = "sagewatch",
        parameters: Mapping[str, Any] | None = None,
        attributes: AttributeSource | None = None,
        ssm_placeholder: Callable[[str, str], str] | None = None,
    ) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.attributes = attributes
        self._ssm_placeholder = ssm_placeholder or (lambda _name, path: f"emulated-ssm:{path}")
        self.parameter_values = self._parameter_values(parameters or {})
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- parameters and pseudo parameters --

    def _parameter_values(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        declared = self.template.parameters
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise TemplateError(f"parameter overrides name undeclared parameters: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in overrides:
                raw = overrides[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no Default: pass a value for it")
            kind = str(spec.get("Type", "String"))
            if kind.startswith(SSM_PARAMETER_TYPE_PREFIX):
                values[name] = self._ssm_placeholder(name, _as_string(raw, f"parameter {name}"))
            elif kind == "CommaDelimitedList" or kind.startswith("List<"):
                items = raw if isinstance(raw, list) else _as_string(raw, f"parameter {name}").split(",")
                values[name] = [_as_string(item, f"parameter {name}").strip() for item in items]
            else:
                text = _as_string(raw, f"parameter {name}")
                allowed = spec.get("AllowedValues")
                if allowed is not None and text not in [_as_string(a, name) for a in allowed]:
                    raise TemplateError(f"parameter {name}={text!r} is not one of {allowed}")
                values[name] = text
        return values

    def pseudo_parameter(self, name: str) -> Any:
        pseudo: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{partition(self.region)}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/"
                "00000000-0000-0000-0000-000000000000"
            ),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        try:
            return pseudo[name]
        except KeyError:
            raise TemplateError(f"unknown pseudo parameter {name}") from None

    # -- conditions --

    def condition(self, name: str) -> bool:
        """The value of the named condition (evaluated once; a cycle is a template error)."""
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.template.conditions:
            raise TemplateError(f"unknown condition {name!r}")
        if name in self._evaluating:
            raise TemplateError(f"condition {name} depends on itself")
        self._evaluating.add(name)
        try:
            value = self._condition_value(self.template.conditions[name], f"condition {name}")
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = value
        return value

    def _condition_value(self, expression: Any, where: str) -> bool:
        if isinstance(expression, bool):
            return expression
        if isinstance(expression, str) and expression.lower() in ("true", "false"):
            return expression.lower() == "true"
        if not isinstance(expression, dict) or len(expression) != 1:
            raise TemplateError(f"{where}: {expression!r} is not a condition")
        ((key, argument),) = expression.items()
        if key == "Condition":
            return self.condition(str(argument))
        if key == "Fn::Equals":
            left, right = self._args(argument, 2, key, where)
            return self._equals_operand(left, where) == self._equals_operand(right, where)
        if key == "Fn::Not":
            (inner,) = self._args(argument, 1, key, where)
            return not self._condition_value(inner, where)
        if key in ("Fn::And", "Fn::Or"):
            if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
                raise TemplateError(f"{where}: {key} takes 2 to 10 conditions")
            values = [self._condition_value(item, where) for item in argument]
            return all(values) if key == "Fn::And" else any(values)
        raise TemplateError(f"{where}: {key} cannot be used as a condition")

    def _equals_operand(self, value: Any, where: str) -> str | list[str]:
        resolved = self.resolve(value, where)
        if isinstance(resolved, list):
            return [_as_string(item, where) for item in resolved]
        return _as_string(resolved, where)

    @staticmethod
    def _args(argument: Any, count: int, key: str, where: str) -> list[Any]:
        if not isinstance(argument, list) or len(argument) != count:
            raise TemplateError(f"{where}: {key} takes a list of {count}")
        return argument

    def resource_enabled(self, logical_id: str) -> bool:
        """False when the resource's Condition is false (CloudFormation does not create it)."""
        name = self.template.resource(logical_id).get("Condition")
        return True if name is None else self.condition(str(name))

    # -- intrinsic functions --

    def resolve(self, value: Any, where: str = "template") -> Any:
        """Resolve every intrinsic function inside ``value``; AWS::NoValue entries vanish.

        A top-level ``AWS::NoValue`` is returned as :data:`NO_VALUE` for the caller to drop.
        """
        if isinstance(value, list):
            items = [self.resolve(item, where) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key,) = value
            if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                return self._function(key, value[key], where)
        resolved: dict[str, Any] = {}
        for key, item in value.items():
            result = self.resolve(item, f"{where}.{key}")
            if result is not NO_VALUE:
                resolved[key] = result
        return resolved

    def _function(self, key: str, argument: Any, where: str) -> Any:
        handlers: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::GetAZs": self._get_azs,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Equals": self._boolean,
            "Fn::Not": self._boolean,
            "Fn::And": self._boolean,
            "Fn::Or": self._boolean,
        }
        handler = handlers.get(key)
        if handler is None:
            raise TemplateError(f"{where}: {key} is not supported by the local resolver")
        return handler(argument, f"{where} ({key})")

    def _boolean(self, argument: Any, where: str) -> Any:
        raise TemplateError(f"{where}: condition functions belong in Conditions or Fn::If")

    def _ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref takes a name")
        if name.startswith("AWS::"):
            return self.pseudo_parameter(name)
        if name in self.parameter_values:
            return copy.deepcopy(self.parameter_values[name])
        if name in self.template.resources:
            self._require_enabled(name, where)
            return self._attributes(where).ref(name)
        if self.attributes is not None and self.attributes.has(name):
            return self.attributes.ref(name)
        raise TemplateError(f"{where}: Ref to unknown parameter or resource {name!r}")

    def _require_enabled(self, logical_id: str, where: str) -> None:
        if not self.resource_enabled(logical_id):
            raise TemplateError(f"{where}: {logical_id} is not created (its Condition is false) but is referenced")

    def _attributes(self, where: str) -> AttributeSource:
        if self.attributes is None:
            raise TemplateError(f"{where}: resource attributes are not available here")
        return self.attributes

    def _get_att(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        elif isinstance(argument, list) and len(argument) == 2:
            logical_id = _as_string(self.resolve(argument[0], where), where)
            attribute = _as_string(self.resolve(argument[1], where), where)
        else:
            raise TemplateError(f"{where}: Fn::GetAtt takes [LogicalId, Attribute]")
        if logical_id in self.template.resources:
            self._require_enabled(logical_id, where)
        elif self.attributes is None or not self.attributes.has(logical_id):
            raise TemplateError(f"{where}: Fn::GetAtt of unknown resource {logical_id!r}")
        return self._attributes(where).get_att(logical_id, attribute)

    def _sub(self, argument: Any, where: str) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            text, variables = argument[0], argument[1]
        else:
            raise TemplateError(f"{where}: Fn::Sub takes a string or [string, {{variables}}]")
        if not isinstance(text, str):
            raise TemplateError(f"{where}: the Fn::Sub template must be a string")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is written out as ${Literal}
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return _as_string(self.resolve(variables[name], where), where)
            if "." in name and not name.startswith("AWS::"):
                logical_id, _, attribute = name.partition(".")
                return _as_string(self._get_att([logical_id, attribute], where), where)
            return _as_string(self._ref(name, where), where)

        return _SUB_VARIABLE.sub(substitute, text)

    def _join(self, argument: Any, where: str) -> str:
        delimiter, items = self._args(argument, 2, "Fn::Join", where)
        values = self.resolve(items, where)
        if not isinstance(values, list):
            raise TemplateError(f"{where}: Fn::Join needs a list")
        return _as_string(delimiter, where).join(_as_string(v, where) for v in values)

    def _if(self, argument: Any, where: str) -> Any:
        name, when_true, when_false = self._args(argument, 3, "Fn::If", where)
        chosen = when_true if self.condition(str(name)) else when_false
        return self.resolve(chosen, where)

    def _select(self, argument: Any, where: str) -> Any:
        index, items = self._args(argument, 2, "Fn::Select", where)
        position = int(_as_string(self.resolve(index, where), where))
        values = self.resolve(items, where)
        if not isinstance(values, list) or not 0 <= position < len(values):
            raise TemplateError(f"{where}: index {position} is out of range")
        return values[position]

    def _split(self, argument: Any, where: str) -> list[str]:
        delimiter, source = self._args(argument, 2, "Fn::Split", where)
        return _as_string(self.resolve(source, where), where).split(_as_string(delimiter, where))

    def _find_in_map(self, argument: Any, where: str) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise TemplateError(f"{where}: Fn::FindInMap takes [Map, TopKey, SecondKey]")
        names = [_as_string(self.resolve(item, where), where) for item in argument[:3]]
        try:
            return copy.deepcopy(self.template.mappings[names[0]][names[1]][names[2]])
        except (KeyError, TypeError):
            if len(argument) == 4 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
                return self.resolve(argument[3]["DefaultValue"], where)
            raise TemplateError(f"{where}: no mapping value {'/'.join(names)}") from None

    def _base64(self, argument: Any, where: str) -> str:
        text = _as_string(self.resolve(argument, where), where)
        return base64.b64encode(text.encode()).decode()

    def _get_azs(self, argument: Any, where: str) -> list[str]:
        region = _as_string(self.resolve(argument, where), where) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _length(self, argument: Any, where: str) -> int:
        values = self.resolve(argument, where)
        if not isinstance(values, list):
            raise TemplateError(f"{where}: Fn::Length needs a list")
        return len(values)

    def _to_json_string(self, argument: Any, where: str) -> str:
        return json.dumps(self.resolve(argument, where), separators=(",", ":"))

    # -- outputs --

    def outputs(self) -> dict[str, Any]:
        """The template's Outputs whose Condition holds, resolved."""
        result: dict[str, Any] = {}
        for name, output in self.template.outputs.items():
            condition = output.get("Condition")
            if condition is not None and not self.condition(str(condition)):
                continue
            result[name] = self.resolve(output.get("Value"), f"output {name}")
        return result


def references_of(value: Any) -> set[str]:
    """Names referenced by Ref, Fn::GetAtt and Fn::Sub inside ``value`` (resources or
    parameters; pseudo parameters excluded). Used to order resource creation."""
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for element in item:
                walk(element)
            return
        if not isinstance(item, dict):
            return
        for key, argument in item.items():
            if key == "Ref" and isinstance(argument, str):
                found.add(argument)
            elif key == "Fn::GetAtt":
                if isinstance(argument, str):
                    found.add(argument.partition(".")[0])
                elif isinstance(argument, list) and argument and isinstance(argument[0], str):
                    found.add(argument[0])
                walk(argument)
            elif key == "Fn::Sub":
                text = argument if isinstance(argument, str) else (argument[0] if argument else "")
                local = set(argument[1]) if isinstance(argument, list) and len(argument) > 1 else set()
                for match in _SUB_VARIABLE.finditer(text if isinstance(text, str) else ""):
                    name = match.group(1).strip()
                    if not name.startswith("!") and name.partition(".")[0] not in local:
                        found.add(name.partition(".")[0])
                walk(argument)
            else:
                walk(argument)

    walk(value)
    return {name for name in found if not name.startswith("AWS::")}


def dependency_order(template: Template, logical_ids: Iterable[str]) -> list[str]:
    """The resources in an order where each comes after what it references (Ref, GetAtt,
    Sub, DependsOn); ties keep template order. A cycle is a template error."""
    ids = list(logical_ids)
    wanted = set(ids)
    edges: dict[str, set[str]] = {}
    for logical_id in ids:
        resource = template.resource(logical_id)
        depends = resource.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else list(depends)
        referenced = references_of(resource.get("Properties") or {}) | set(depends)
        edges[logical_id] = {name for name in referenced if name in wanted and name != logical_id}
    ordered: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(logical_id: str, chain: tuple[str, ...]) -> None:
        if state.get(logical_id) == 2:
            return
        if state.get(logical_id) == 1:
            raise TemplateError(f"circular dependency: {' -> '.join((*chain, logical_id))}")
        state[logical_id] = 1
        for dependency in sorted(edges[logical_id], key=ids.index):
            visit(dependency, (*chain, logical_id))
        state[logical_id] = 2
        ordered.append(logical_id)

    for logical_id in ids:
        visit(logical_id, ())
    return ordered
