"""Running a template's Lambda function in this process, the way ``sam local invoke`` would.

:func:`resolve_function` reads an ``AWS::Serverless::Function`` like SAM does: its
properties merged with ``Globals.Function`` (maps merge, lists concatenate global-first),
``CodeUri`` and ``Handler`` (``module.function``), ``Timeout``/``MemorySize`` (SAM defaults
3 s / 128 MB), the ``Environment`` with every intrinsic resolved, and ``Layers``: a layer of
this template (``AWS::Serverless::LayerVersion``) puts its ``ContentUri`` on ``sys.path``;
any other layer (an ARN, or a parameter such as the AWS-managed Powertools layer) is
"external" and is satisfied by the dev virtualenv, where the same aws-lambda-powertools
version is pinned.

:class:`FunctionRuntime` keeps the function warm like a Lambda sandbox: its handler module is
imported once (under a unique module name, so ``functions/onboard/app.py`` and
``functions/notify/app.py`` never clash), with the function's environment already in place;
each invocation then runs with that environment, its own ``sys.path`` entries, its own
sibling modules and its own boto3 default session swapped in, and everything the handler
prints or logs captured (:class:`OutputCapture`).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import io
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from sagewatch.core.shared.partitions import partition
from sagewatch_emulator.calls import is_write
from sagewatch_emulator.sam.template import NO_VALUE, Resolver, Template, TemplateError

__all__ = [
    "FunctionRuntime",
    "FunctionSpec",
    "Invocation",
    "LambdaContext",
    "OutputCapture",
    "resolve_function",
]

_LOG = logging.getLogger(__name__)

FUNCTION_TYPES = ("AWS::Serverless::Function",)
LOCAL_LAYER_TYPES = ("AWS::Serverless::LayerVersion",)
SAM_DEFAULT_TIMEOUT_S = 3
SAM_DEFAULT_MEMORY_MB = 128

# Host variables hidden from the function: it sees what its template gives it, not the shell's.
_HIDDEN_ENV_PREFIXES = ("AWS_", "POWERTOOLS_", "SAGEWATCH_", "_HANDLER", "LAMBDA_")


# --- the function as the template describes it ---------------------------------------------


@dataclass(frozen=True)
class FunctionSpec:
    """Everything needed to run one function locally, resolved from the template."""

    logical_id: str
    function_name: str
    code_dir: Path
    handler: str
    runtime: str | None
    timeout_s: float
    memory_mb: int
    environment: Mapping[str, str]
    layer_dirs: tuple[Path, ...] = ()
    external_layers: tuple[str, ...] = ()

    @property
    def module_path(self) -> str:
        return self.handler.rpartition(".")[0]

    @property
    def function_attr(self) -> str:
        return self.handler.rpartition(".")[2]

    def lambda_environment(self, region: str, account_id: str) -> dict[str, str]:
        """The variables the Lambda service itself sets for every function."""
        log_group = f"/aws/lambda/{self.function_name}"
        return {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]emulated",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.runtime or 'python3.13'}",
            "LAMBDA_TASK_ROOT": str(self.code_dir),
            "_HANDLER": self.handler,
        }

    def function_arn(self, region: str, account_id: str) -> str:
        return f"arn:{partition(region)}:lambda:{region}:{account_id}:function:{self.function_name}"


def _env_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TemplateError(f"{where}: an environment variable must be a string, got {value!r}")


def _local_path(template: Template, value: Any, where: str) -> Path:
    if not isinstance(value, str):
        raise TemplateError(f"{where}: only a local directory is supported here, got {value!r}")
    path = Path(value)
    return (path if path.is_absolute() else template.directory / path).resolve()


def resolve_function(
    template: Template,
    resolver: Resolver,
    logical_id: str,
    function_name: Callable[[str], str] | None = None,
) -> FunctionSpec:
    """Resolve one ``AWS::Serverless::Function`` of the template into a :class:`FunctionSpec`.

    ``function_name`` maps a logical id to the function's physical name when it has no
    ``FunctionName`` property (the emulated account passes its own naming).
    """
    kind = template.resource_type(logical_id)
    if kind not in FUNCTION_TYPES:
        raise TemplateError(f"{logical_id} is a {kind}, not one of {', '.join(FUNCTION_TYPES)}")
    if not resolver.resource_enabled(logical_id):
        raise TemplateError(f"{logical_id} is not created: its Condition is false")
    properties = template.properties(logical_id)
    where = f"{logical_id}.Properties"

    def prop(name: str, default: Any = None) -> Any:
        if name not in properties:
            return default
        value = resolver.resolve(properties[name], f"{where}.{name}")
        return default if value is NO_VALUE else value

    if properties.get("PackageType") == "Image":
        raise TemplateError(f"{logical_id}: image functions cannot run in-process")
    handler = prop("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(f"{where}.Handler must look like 'module.function', got {handler!r}")
    if "InlineCode" in properties:
        raise TemplateError(f"{logical_id}: InlineCode is not supported; use CodeUri")
    code_dir = _local_path(template, prop("CodeUri"), f"{where}.CodeUri")
    if not code_dir.is_dir():
        raise TemplateError(f"{where}.CodeUri: {code_dir} is not a directory")

    variables = (prop("Environment") or {}).get("Variables") or {}
    environment = {
        str(name): _env_value(value, f"{where}.Environment.Variables.{name}") for name, value in variables.items()
    }

    layer_dirs: list[Path] = []
    external: list[str] = []
    for index, layer in enumerate(properties.get("Layers") or []):
        layer_where = f"{where}.Layers[{index}]"
        ref = layer.get("Ref") if isinstance(layer, dict) and len(layer) == 1 else None
        if isinstance(ref, str) and ref in template.resources:
            layer_type = template.resource_type(ref)
            if layer_type in LOCAL_LAYER_TYPES:
                content = resolver.resolve(
                    (template.resource(ref).get("Properties") or {}).get("ContentUri"), layer_where
                )
                layer_dirs.append(_local_path(template, content, f"{ref}.Properties.ContentUri"))
                continue
        value = resolver.resolve(layer, layer_where)
        if value is not NO_VALUE:
            external.append(_env_value(value, layer_where))

    name = prop("FunctionName")
    if not isinstance(name, str) or not name:
        name = function_name(logical_id) if function_name else logical_id
    return FunctionSpec(
        logical_id=logical_id,
        function_name=name,
        code_dir=code_dir,
        handler=handler,
        runtime=prop("Runtime"),
        timeout_s=float(prop("Timeout", SAM_DEFAULT_TIMEOUT_S)),
        memory_mb=int(prop("MemorySize", SAM_DEFAULT_MEMORY_MB)),
        environment=environment,
        layer_dirs=tuple(layer_dirs),
        external_layers=tuple(external),
    )


_POWERTOOLS_SSM = re.compile(r"/aws/service/powertools/python/[^/]+/[^/]+/(?P<version>[^/]+)$")


def check_external_layers(spec: FunctionSpec) -> list[str]:
    """Warnings for external layers the dev virtualenv may not match.

    The AWS-managed Powertools layer (``/aws/service/powertools/python/<arch>/<runtime>/<v>``)
    is satisfied by the aws-lambda-powertools installed here; a pinned version that differs
    from the installed one is reported. Other external layers cannot be checked.
    """
    warnings: list[str] = []
    for layer in spec.external_layers:
        match = _POWERTOOLS_SSM.search(layer)
        if match is None:
            warnings.append(f"{spec.logical_id}: external layer {layer} is assumed to be installed locally")
            continue
        wanted = match.group("version")
        try:
            installed = importlib.metadata.version("aws-lambda-powertools")
        except importlib.metadata.PackageNotFoundError:
            warnings.append(f"{spec.logical_id}: the Powertools layer needs aws-lambda-powertools installed")
            continue
        if wanted != "latest" and wanted != installed:
            warnings.append(f"{spec.logical_id}: template pins Powertools {wanted}, this virtualenv has {installed}")
    return warnings


# --- the Lambda context object ---------------------------------------------------------------


class LambdaContext:
    """The context object a Python Lambda handler receives (the attributes Powertools reads)."""

    def __init__(self, spec: FunctionSpec, region: str, account_id: str, request_id: str) -> None:
        self.function_name = spec.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.function_arn(region, account_id)
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]emulated"
        self.identity: Any = None
        self.client_context: Any = None
        self.tenant_id: str | None = None
        self._deadline = time.monotonic() + spec.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# --- what an invocation gives back -----------------------------------------------------------


@dataclass
class Invocation:
    """The outcome of one invocation.

    ``error`` is ``"ExceptionType: message"`` when the handler raised (never re-raised);
    ``aws_calls`` counts ``"service.Operation"`` calls made during the invocation;
    ``slack_messages`` and ``emails`` are what reached the fake Slack and SES meanwhile.
    """

    function: str
    request_id: str
    response: Any = None
    error: str | None = None
    error_traceback: str | None = None
    aws_calls: dict[str, int] = field(default_factory=dict)
    slack_messages: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    init_duration_ms: float | None = None
    timed_out: bool = False

    @property
    def writes(self) -> dict[str, int]:
        """The calls that change state: Put*, Create*, Delete*, Update*, Tag*, Untag*, Set*,
        Send*, Publish*."""
        return {call: count for call, count in self.aws_calls.items() if is_write(call)}

    @property
    def cold_start(self) -> bool:
        return self.init_duration_ms is not None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (what ``sagewatch invoke`` prints)."""
        return {
            "function": self.function,
            "request_id": self.request_id,
            "response": self.response,
            "error": self.error,
            "aws_calls": self.aws_calls,
            "writes": self.writes,
            "slack_messages": self.slack_messages,
            "emails": self.emails,
            "duration_ms": round(self.duration_ms, 3),
            "init_duration_ms": None if self.init_duration_ms is None else round(self.init_duration_ms, 3),
            "timed_out": self.timed_out,
        }


# --- capturing what the handler prints and logs ----------------------------------------------


class OutputCapture:
    """Collects lines written to stdout/stderr and records logged through the root logger."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._partial: dict[str, str] = {}

    def write(self, stream: str, text: str) -> None:
        with self._lock:
            buffered = self._partial.get(stream, "") + text
            *complete, rest = buffered.split("\n")
            self._lines.extend(complete)
            self._partial[stream] = rest

    def add_line(self, line: str) -> None:
        with self._lock:
            self._lines.extend(line.split("\n"))

    @property
    def lines(self) -> list[str]:
        with self._lock:
            return [*self._lines, *(rest for rest in self._partial.values() if rest)]


class _RoutedStream(io.TextIOBase):
    """Installed as sys.stdout/sys.stderr. Handlers (e.g. Powertools' Logger) may keep a
    reference to it past an invocation, so it stays valid forever: it writes to the active
    capture when there is one, else to the real stderr (never stdout, which may carry JSON)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        capture = _ACTIVE.capture
        if capture is not None:
            capture.write(self._name, text)
        else:
            fallback = sys.__stderr__
            if fallback is not None:
                fallback.write(text)
        return len(text)

    def flush(self) -> None:
        return None


class _Active:
    capture: OutputCapture | None = None


_ACTIVE = _Active()
_STDOUT = _RoutedStream("stdout")
_STDERR = _RoutedStream("stderr")


class _CaptureHandler(logging.Handler):
    """Root-logger handler feeding the active capture.

    One instance for the whole process, on purpose: Powertools' Logger adds a filter to the
    root handlers present when it is first configured (so records of its child loggers are
    not emitted twice), and a warm or re-imported handler module must keep finding that
    filter in place, as it would on the Lambda runtime's own root handler.
    """

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("[%(levelname)s] %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        capture = _ACTIVE.capture
        if capture is None:
            return
        try:
            capture.add_line(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break the handler under test
            self.handleError(record)


_ROOT_HANDLER = _CaptureHandler()


@contextlib.contextmanager
def capturing_output(capture: OutputCapture) -> Iterator[None]:
    """Route stdout, stderr and root-logger records into ``capture`` for the duration."""
    saved_out, saved_err = sys.stdout, sys.stderr
    root = logging.getLogger()
    _ACTIVE.capture = capture
    sys.stdout, sys.stderr = _STDOUT, _STDERR
    root.addHandler(_ROOT_HANDLER)
    try:
        yield
    finally:
        root.removeHandler(_ROOT_HANDLER)
        sys.stdout, sys.stderr = saved_out, saved_err
        _ACTIVE.capture = None


# --- keeping a function warm ------------------------------------------------------------------


@contextlib.contextmanager
def patched_environ(env: Mapping[str, str]) -> Iterator[None]:
    """Replace os.environ with exactly ``env`` for the duration, then restore it."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def function_environment(host: Mapping[str, str], spec: FunctionSpec, extra: Mapping[str, str]) -> dict[str, str]:
    """The host environment minus AWS/Powertools/SageWatch variables, plus the function's."""
    env = {k: v for k, v in host.items() if not k.startswith(_HIDDEN_ENV_PREFIXES)}
    env.update(spec.environment)
    env.update(extra)
    return env


@dataclass
class _RawResult:
    response: Any = None
    error: str | None = None
    error_traceback: str | None = None
    duration_ms: float = 0.0
    init_duration_ms: float | None = None


class FunctionRuntime:
    """One warm "sandbox": the imported handler module and the state it keeps between calls."""

    def __init__(self, spec: FunctionSpec, *, sandbox: str | None = None) -> None:
        self.spec = spec
        # A second sandbox of the same function (concurrent SQS batches) imports its own copy.
        suffix = f"__{sandbox}" if sandbox else ""
        self.module_name = f"sagewatch_fn_{spec.logical_id}{suffix}"
        self.module: ModuleType | None = None
        self._handler: Callable[[Any, Any], Any] | None = None
        self._own_modules: dict[str, ModuleType] = {}
        self._boto3_session: boto3.session.Session | None = None
        self._lock = threading.Lock()
        self._code_prefix = str(spec.code_dir) + os.sep

    # -- isolation --

    def _owns(self, module: ModuleType) -> bool:
        # A plain prefix test: modules found through the code_dir entry this runtime puts
        # on sys.path carry that exact prefix (resolving every module's path would be slow).
        filename = getattr(module, "__file__", None)
        return isinstance(filename, str) and filename.startswith(self._code_prefix)

    @contextlib.contextmanager
    def _sandbox(self, env: Mapping[str, str]) -> Iterator[None]:
        added_paths = [str(p) for p in (self.spec.code_dir, *self.spec.layer_dirs) if str(p) not in sys.path]
        displaced: dict[str, ModuleType | None] = {}
        for name, module in self._own_modules.items():
            displaced[name] = sys.modules.get(name)
            sys.modules[name] = module
        saved_session = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = self._boto3_session
        sys.path[:0] = added_paths
        try:
            with patched_environ(env):
                yield
        finally:
            for path in added_paths:
                with contextlib.suppress(ValueError):
                    sys.path.remove(path)
            self._boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = saved_session
            # Sibling modules of this function leave sys.modules with it, so another
            # function's "app" or "helpers" is never shadowed by this one's.
            for name, module in list(sys.modules.items()):
                if name != self.module_name and module is not None and self._owns(module):
                    self._own_modules[name] = module
                    del sys.modules[name]
            for name, previous in displaced.items():
                if previous is not None:
                    sys.modules[name] = previous

    # -- import and call --

    def _import(self) -> Callable[[Any, Any], Any]:
        module_path, attr = self.spec.module_path, self.spec.function_attr
        if "." in module_path:
            module = importlib.import_module(module_path)
        else:
            file = self.spec.code_dir / f"{module_path}.py"
            if not file.is_file():
                raise ImportError(f"Unable to import module '{module_path}': no {file}")
            spec = importlib.util.spec_from_file_location(self.module_name, file)
            if spec is None or spec.loader is None:
                raise ImportError(f"Unable to import module '{module_path}' from {file}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[self.module_name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[self.module_name]
                raise
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise AttributeError(f"Handler '{attr}' missing on module '{module_path}'")
        self.module = module
        return handler  # type: ignore[no-any-return]

    def run(self, event: Any, context: LambdaContext, env: Mapping[str, str]) -> _RawResult:
        """Import on first use (the "init" phase), then call the handler. Never raises for
        what the handler does: errors come back as text, like Lambda reports them."""
        result = _RawResult()
        with self._lock, self._sandbox(env):
            if self._handler is None:
                started = time.perf_counter()
                try:
                    self._handler = self._import()
                except BaseException as exc:  # noqa: BLE001 - reported like Lambda's init error
                    result.error = f"{type(exc).__name__}: {exc}"
                    result.error_traceback = traceback.format_exc()
                    result.init_duration_ms = (time.perf_counter() - started) * 1000
                    print(f"[ERROR] init failed: {result.error}\n{result.error_traceback}", file=sys.stderr)
                    return result
                result.init_duration_ms = (time.perf_counter() - started) * 1000
            payload = json.loads(json.dumps(event))  # the handler gets its own copy, as JSON
            started = time.perf_counter()
            try:
                response = self._handler(payload, context)
            except BaseException as exc:  # noqa: BLE001 - the error is the result, not a crash
                result.error = f"{type(exc).__name__}: {exc}"
                result.error_traceback = traceback.format_exc()
                print(f"[ERROR] {result.error}\n{result.error_traceback}", file=sys.stderr)
            else:
                try:
                    result.response = json.loads(json.dumps(response))
                except (TypeError, ValueError) as exc:
                    result.error = f"Runtime.MarshalError: Unable to marshal response: {exc}"
            finally:
                result.duration_ms = (time.perf_counter() - started) * 1000
        return result

    def new_request_id(self) -> str:
        return str(uuid.uuid4())

    def close(self) -> None:
        """Forget the warm state (the account is closing)."""
        sys.modules.pop(self.module_name, None)
        self.module = None
        self._handler = None
        self._own_modules.clear()
        self._boto3_session = None
