"""`sam local invoke` against the emulated account: what the SAM CLI needs, and nothing in
template.yaml or the runtime code.

SAM CLI (1.170) runs the function from ``sam build``'s output in a container built from
``public.ecr.aws/lambda/python:3.13-<arch>`` (made by ``docker.sh image``) plus its own Runtime
Interface Emulator and the function's layers. Three things point that container at the
emulated account instead of AWS:

- **A local-only copy of the built template** (``build/local-invoke/template-<arch>.json``) that
  declares ``AWS_ENDPOINT_URL`` on every function. SAM CLI passes a variable through
  ``--env-vars`` only when the template declares it (``samcli/local/lambdafn/env_vars.py``,
  ``EnvironmentVariables.resolve``), and ``--container-env-vars`` is applied only to debug
  sessions (``LambdaContainer._get_debug_settings`` returns no variables without
  ``--debug-port``). The copy differs from ``.aws-sam/build/template.yaml`` in that one
  declared variable, in absolute code paths, in timeouts under emulation and, only when asked
  for (``architecture=ARCH_OVERRIDE``), in the functions' architecture; template.yaml is never
  touched.
- **An --env-vars file** with each function's variables as the emulated account resolves them
  (``EmulatedAccount.function_environment``: physical names of tables, queues, topics …),
  because SAM CLI leaves every intrinsic it cannot resolve (``!Ref AlertTopic``) empty, plus
  ``AWS_ENDPOINT_URL``.
- **The Powertools layer in SAM's layer cache**: the template takes its ARN from a public SSM
  parameter, which SAM CLI does not resolve, so ``PowertoolsLayerArn`` is overridden with a
  stand-in ARN whose cache folder (``<name>-<version>-<sha256(arn)[:10]>``, see
  ``LayerVersion._compute_layer_name``) holds the aws-lambda-powertools that
  requirements-dev.txt pins; SAM CLI then skips the download.

**Architecture.** The template (and Lambda) run arm64. On an x86_64 machine an arm64 container
runs under qemu-user, about ten times slower (20-26 s per invoke). The full parity matrix
therefore runs natively with the local-only override ``ARCH_OVERRIDE`` (``x86_64``, or the
``LOCAL_INVOKE_ARCH_OVERRIDE`` environment variable; ``none`` runs the matrix as the template
says), and a small subset runs as the template says, arm64. Every invocation logs which
architecture it used (:data:`RUNS`).

The container cannot reach 127.0.0.1 of this machine: SAM CLI 1.170 never puts it into the
host's network namespace. ``--docker-network host`` only makes it skip connecting the container
to a named network (``Container.create``: ``if self.network_id and self.network_id != "host"``),
so it stays on Docker's default bridge, where 127.0.0.1 is the container's own loopback.
:class:`BridgeRelay` therefore listens on the bridge's gateway address (an address of this
machine that only local containers reach) and forwards every connection to moto or the fake
Slack on 127.0.0.1; the container's ``AWS_ENDPOINT_URL`` and the Slack webhook secret name the
relays. Nothing leaves the machine.

The container's AWS writes are counted on the server side while ``sam`` runs: moto resolves
every request to its operation in ``BaseResponse.call_action`` (Action parameter, X-Amz-Target
or the REST route), and :class:`ServerCalls` wraps it. Only the container talks to moto then.

Run one event by hand (prints the response, the emulated one and the writes of both)::

    .venv/bin/python -m tests.local_invoke.harness OnboardFunction -e events/onboard/in-service-cpu.json
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import ipaddress
import json
import os
import platform
import re
import selectors
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config
from moto.core.responses import BaseResponse

from tests.local_invoke.emulated import (
    PARAMETERS,
    SLACK_SECRET,
    EmulatedAccount,
    Invocation,
    load_event,
    open_seeded_account,
)

ROOT = Path(__file__).resolve().parents[2]
BUILT_TEMPLATE = ROOT / ".aws-sam" / "build" / "template.yaml"
STATE = Path(os.environ.get("LOCAL_INVOKE_STATE", ROOT / "build" / "local-invoke"))
LAYER_CACHE = STATE / "layers"
SAM = ROOT / ".venv-sam" / "bin" / "sam"
EVENTS = ROOT / "events"
FUNCTION_OF_FOLDER = {"onboard": "OnboardFunction", "notify": "NotifyFunction", "reconcile": "ReconcileFunction"}
TEMPLATE_ARCH = "arm64"  # template.yaml's Globals.Function.Architectures; what Lambda runs
# The local-only architecture override for the full parity matrix: the generated local template
# copy says this instead of arm64, so the matrix runs natively on an x86_64 machine. "none" (or
# the template's own architecture) turns it off. template.yaml and sam build's output keep arm64
# (test_the_override_is_local_only).
_OVERRIDE = os.environ.get("LOCAL_INVOKE_ARCH_OVERRIDE", "x86_64")
if _OVERRIDE not in ("x86_64", "arm64", "none", ""):
    raise ValueError(f"LOCAL_INVOKE_ARCH_OVERRIDE must be x86_64 or none, not {_OVERRIDE!r}")
ARCH_OVERRIDE: str | None = None if _OVERRIDE in ("none", "", TEMPLATE_ARCH) else _OVERRIDE
# The architecture the full parity matrix (every sample event, start-lambda) runs in.
MATRIX_ARCH = ARCH_OVERRIDE or TEMPLATE_ARCH
HOST_ARCH = {"aarch64": "arm64", "arm64": "arm64", "x86_64": "x86_64", "amd64": "x86_64"}.get(
    platform.machine().lower(), platform.machine()
)
PIP_PLATFORM = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
# An arm64 handler runs under qemu-user on x86 machines, about ten times slower than on Lambda
# (NotifyFunction: ~20 s of its 30 s Timeout), and several times slower again when other work
# keeps both cores busy (over 300 s measured at load 9). For emulated runs the local copy
# multiplies each function's Timeout by this, so handlers that budget their remaining time
# (Slack pacing, the reconcile's continuation) take the same decisions as on Lambda and in the
# emulated invoke (which reports a timeout but does not enforce it), on a loaded machine too.
# Native runs keep the template's timeouts.
EMULATION_SLOWDOWN = 40
# Time limits the handlers read from their environment (defaults in sagewatch.config; not in
# the template), stretched for emulated runs like the Timeout: how long the alert's metric, log
# and chart reads may take, and one Slack request.
HANDLER_TIME_LIMITS = {"SAGEWATCH_ENRICHMENT_TIMEOUT_SECONDS": 8, "SAGEWATCH_SLACK_TIMEOUT_SECONDS": 10}
# Hang guards, not expectations (no test asserts a time): one `sam local invoke` or one
# start-lambda invocation, natively (container start, the function's own Timeout, SAM CLI
# building its image on the base) and under qemu (the stretched Timeout: 30 s x 40 for
# NotifyFunction, 60 s x 40 for OnboardFunction), on a machine kept busy by other work.
NATIVE_GUARD_SECONDS = 420
EMULATED_GUARD_SECONDS = 2700


def guard_seconds(architecture: str) -> int:
    """How long one invocation in ``architecture`` may take before it counts as hung."""
    return EMULATED_GUARD_SECONDS if emulated(architecture) else NATIVE_GUARD_SECONDS


# The relays' whole life at most: one invocation, or one start-lambda session serving the whole
# matrix (each invocation within its guard); they are closed as soon as that ends.
RELAY_LIFETIME_SECONDS = 2 * 3600
# One line per invocation: function, event, architecture (and whether overridden), seconds.
RUNS: list[str] = []
# Seconds of each invocation by "function event architecture" (build/local-invoke/timings.json).
TIMES: dict[str, float] = {}
WRITE_PREFIXES = ("Put", "Create", "Delete", "Update", "Tag", "Untag", "Set", "Send", "Publish")


def powertools_layer_arn(architecture: str) -> str:
    """A stand-in for the ARN the public SSM parameter holds on AWS: same layer name shape (one
    layer per architecture), in the emulated account. SAM CLI only needs name and version."""
    return f"arn:aws:lambda:us-east-1:123456789012:layer:AWSLambdaPowertoolsPythonV3-python313-{architecture}:1"


POWERTOOLS_LAYER_ARN = powertools_layer_arn(TEMPLATE_ARCH)


def emulated(architecture: str) -> bool:
    """True when ``architecture`` is not this machine's (it then runs under qemu-user)."""
    return architecture != HOST_ARCH


def record_run(function: str, event: Path, architecture: str, seconds: float) -> str:
    how = f"local override, template says {TEMPLATE_ARCH}" if architecture != TEMPLATE_ARCH else "as the template says"
    engine = "under qemu" if emulated(architecture) else "native"
    name = event.relative_to(EVENTS) if event.is_relative_to(EVENTS) else event
    line = f"{function} {name}: {architecture} ({how}, {engine}) {seconds:.1f} s"
    RUNS.append(line)
    TIMES[f"{function} {name} {architecture}"] = round(seconds, 2)
    sys.stderr.write(f"local-invoke: {line}\n")
    return line


def sample_events() -> list[Path]:
    """Every sample event, in a stable order."""
    return sorted(p for p in EVENTS.glob("*/*.json") if p.parent.name in FUNCTION_OF_FOLDER)


def function_of(event: Path) -> str:
    return FUNCTION_OF_FOLDER[event.parent.name]


def writes_of(calls: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in sorted(calls.items()) if k.rpartition(".")[2].startswith(WRITE_PREFIXES)}


# -- what SAM CLI is given ----------------------------------------------------------------------


def local_template(architecture: str) -> Path:
    """The generated local copy for one architecture: build/local-invoke/template-<arch>.json
    (one per architecture, so the native and the qemu runs can go on side by side)."""
    return STATE / f"template-{architecture}.json"


_PREPARING = threading.RLock()
_PREPARING_DEPTH = [0]


@contextmanager
def preparing() -> Iterator[None]:
    """One process at a time prepares or reads the shared folders (compiled copies, the layer
    cache, sam build's output): ``make local-invoke`` runs two pytest workers, and the README
    test's `sam build` rewrites .aws-sam meanwhile. Reentrant within a process."""
    with _PREPARING:
        if _PREPARING_DEPTH[0]:
            _PREPARING_DEPTH[0] += 1
            try:
                yield
            finally:
                _PREPARING_DEPTH[0] -= 1
            return
        STATE.mkdir(parents=True, exist_ok=True)
        with (STATE / ".prepare.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _PREPARING_DEPTH[0] = 1
            try:
                yield
            finally:
                _PREPARING_DEPTH[0] = 0
                fcntl.flock(lock, fcntl.LOCK_UN)


def write_local_template(
    architecture: str = TEMPLATE_ARCH, built: Path = BUILT_TEMPLATE, out: Path | None = None
) -> Path:
    """``sam build``'s template with AWS_ENDPOINT_URL declared on every function, compiled copies
    of the code and layer folders, timeouts scaled by EMULATION_SLOWDOWN when ``architecture``
    runs under qemu, and, when ``architecture`` is not the template's (the local-only
    override), that architecture on every function and layer. SAM writes it in long form (Ref,
    Fn::Sub), which plain YAML reads."""
    if not built.is_file():
        raise FileNotFoundError(f"{built} is missing: run `make build` (sam build) first")
    with preparing():  # never while a `sam build` (README test) rewrites .aws-sam
        return _write_local_template(architecture, built, out or local_template(architecture))


def _write_local_template(architecture: str, built: Path, out: Path) -> Path:
    template: dict[str, Any] = yaml.safe_load(built.read_text())
    base = built.parent
    slowdown = EMULATION_SLOWDOWN if emulated(architecture) else 1
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = str(compiled_copy(base / properties[key]))
        if resource.get("Type") == "AWS::Serverless::Function":
            timeout = properties.get("Timeout", template.get("Globals", {}).get("Function", {}).get("Timeout", 3))
            properties["Timeout"] = int(timeout) * slowdown
            if architecture != TEMPLATE_ARCH:
                properties["Architectures"] = [architecture]
            variables = properties.setdefault("Environment", {}).setdefault("Variables", {})
            variables.setdefault("AWS_ENDPOINT_URL", "")
            if slowdown > 1:
                # The handler's own time limits, stretched like the Timeout (an alert under qemu
                # on a busy machine otherwise goes out without the metrics it read in 9 s).
                for name, seconds in HANDLER_TIME_LIMITS.items():
                    variables[name] = str(seconds * slowdown)
        if resource.get("Type") == "AWS::Serverless::LayerVersion" and architecture != TEMPLATE_ARCH:
            properties["CompatibleArchitectures"] = [architecture]
    out.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: the other worker may be reading the same architecture's copy.
    partial = out.with_name(f".{out.name}.{os.getpid()}")
    partial.write_text(json.dumps(template, indent=1))
    partial.replace(out)
    return out


def compiled_copy(source: Path) -> Path:
    """A copy of a built code or layer folder with its bytecode compiled on the host.

    Lambda imports the function and its layers anew in every container; under qemu, compiling
    them there took NotifyFunction past its 30 s Timeout. sam build's output stays as it is.
    Hash-based .pyc files (the host's python3.13 has the same bytecode format) need no
    timestamps. The copy is named by the built folder's content and never changed: a `sam
    build` during the run (the README's commands) makes a new copy, if its output differs, and
    leaves the one that running warm containers have mounted alone. Copies older than a relay's
    lifetime are removed (no session outlives it)."""
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        digest.update(f"{path.relative_to(source)}\0".encode())
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    target = STATE / "code" / f"{source.name}-{digest.hexdigest()[:16]}"
    stamp = target / ".sagewatch-compiled"
    if stamp.is_file():
        return target
    for old in target.parent.glob(f"{source.name}-*"):
        if time.time() - old.stat().st_mtime > RELAY_LIFETIME_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)  # an unfinished copy
    shutil.copytree(source, target)
    compile_tree(target)
    stamp.touch()
    return target


def compile_tree(folder: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(folder)],
        check=True, timeout=300, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def declared_variables(template: Mapping[str, Any], logical_id: str) -> set[str]:
    """Names SAM CLI will pass through --env-vars for a function: Globals' and its own."""
    globals_ = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return set(globals_) | set(own)


def write_env_vars(
    account: EmulatedAccount, functions: list[str], architecture: str, out: Path, endpoint_url: str
) -> Path:
    """--env-vars: each function's declared variables with the emulated account's values, and
    the emulator's address as the container sees it."""
    out.write_text(json.dumps(env_vars_of(account, functions, architecture, endpoint_url), indent=1))
    return out


def layer_cache_folder(arn: str) -> Path:
    """Where SAM CLI looks for an external layer: ``<name>-<version>-<sha256(arn)[:10]>``."""
    _, name, version = arn.rsplit(":", 2)
    return LAYER_CACHE / f"{name}-{version}-{hashlib.sha256(arn.encode()).hexdigest()[:10]}"


def prepare_powertools_layer(architecture: str = TEMPLATE_ARCH) -> Path:
    with preparing():
        return _prepare_powertools_layer(architecture)


def _prepare_powertools_layer(architecture: str) -> Path:
    """The Powertools layer's content (python/...) in SAM's cache, once per pinned version and
    architecture (the wheels are pure Python; test_layers_are_pure_python checks it)."""
    arn = powertools_layer_arn(architecture)
    # The dev pin, extras dropped (the managed layer carries the X-Ray SDK; the stand-in need not).
    pin = next(
        re.sub(r"\[[a-z,]+\]", "", line.split("#", 1)[0].strip())
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        if re.match(r"aws-lambda-powertools(\[[a-z,]+\])?==", line)
    )
    folder = layer_cache_folder(arn)
    marker = folder / ".sagewatch-pin"
    if marker.is_file() and marker.read_text() == f"{pin} {architecture} compiled":
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    # Wheels for the function's platform, chosen on the host; boto3 stays the runtime's.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(folder / "python"), "--platform", PIP_PLATFORM[architecture], "--implementation", "cp",
         "--python-version", "3.13", "--only-binary=:all:", pin],
        check=True,
        timeout=300,
    )  # fmt: skip
    compile_tree(folder)
    marker.write_text(f"{pin} {architecture} compiled")
    return folder


def sam_environment(account: EmulatedAccount) -> dict[str, str]:
    """SAM CLI's own environment: PATH and HOME, and the emulator's AWS settings, so that
    anything SAM CLI itself asks AWS (and the credentials it hands the container) is local."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "DOCKER_HOST") if name in os.environ}
    return {**keep, **account.aws_environment(), "SAM_CLI_TELEMETRY": "0"}


# -- reaching the emulator from the container ---------------------------------------------------


def bridge_gateway() -> ipaddress.IPv4Interface:
    """docker0's address and network (e.g. 172.17.0.1/16) as the dockerd of this run set it up
    (``docker.sh start`` records it), checked against docker0 itself: a private address of a
    bridge only this machine's containers are on, never 0.0.0.0 or a host interface."""
    recorded = STATE / "bridge-gateway"
    if not recorded.is_file():
        raise RuntimeError(f"{recorded} is missing: run tests/local_invoke/docker.sh start")
    gateway = ipaddress.IPv4Address(recorded.read_text().strip())
    done = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "dev", "docker0"], capture_output=True, text=True, timeout=30, check=True
    )
    interfaces = [ipaddress.IPv4Interface(word) for word in done.stdout.split() if "/" in word and word[0].isdigit()]
    match = [i for i in interfaces if i.ip == gateway]
    if not match or not gateway.is_private or gateway.is_unspecified or gateway.is_loopback:
        raise RuntimeError(f"{gateway} is not docker0's private address ({done.stdout.strip()}): no relay")
    return match[0]


class _Relay(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    target_port = 0
    clients = ipaddress.IPv4Network("127.0.0.1/32")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The relayed connections, so that retargeting can end them (see BridgeRelay.retarget).
        self.live: set[socket.socket] = set()
        self.live_lock = threading.Lock()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        # Only the bridge's containers; nothing else can route to docker0's address anyway.
        return ipaddress.IPv4Address(client_address[0]) in self.clients


class _RelayHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: _Relay = self.server  # type: ignore[assignment]
        with socket.create_connection(("127.0.0.1", server.target_port), timeout=10) as upstream:
            upstream.settimeout(None)
            pairs = {self.request: upstream, upstream: self.request}
            with server.live_lock:
                server.live.add(self.request)
            try:
                self._pump(pairs)
            except OSError:
                return  # ended by retarget (or by either side): the client opens a new connection
            finally:
                with server.live_lock:
                    server.live.discard(self.request)

    @staticmethod
    def _pump(pairs: dict[socket.socket, socket.socket]) -> None:
        with selectors.DefaultSelector() as selector:
            for sock in pairs:
                selector.register(sock, selectors.EVENT_READ)
            while True:
                # Idle for 2 minutes: the function is long gone.
                ready = selector.select(timeout=120)
                if not ready:
                    return
                for key, _ in ready:
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    pairs[source].sendall(data)


class BridgeRelay:
    """Forwards connections from the bridge's containers to ``gateway``:<free port> on to
    127.0.0.1:``target_port``. It stops when closed, and at the latest after
    RELAY_LIFETIME_SECONDS."""

    def __init__(self, gateway: ipaddress.IPv4Interface, target_port: int) -> None:
        self._server = _Relay((str(gateway.ip), 0), _RelayHandler)
        self._server.target_port = target_port
        self._server.clients = gateway.network
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self._deadline = threading.Timer(RELAY_LIFETIME_SECONDS, self._server.shutdown)
        self._deadline.daemon = True
        self._deadline.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def retarget(self, target_port: int) -> None:
        """Forward new connections to 127.0.0.1:``target_port`` and end the relayed ones: a warm
        container's SDK keeps its connections open between invocations (keep-alive), and one
        still open would reach the previous target. urllib3 sees the connection dropped before
        it reuses it and opens a new one, which reaches the new target."""
        self._server.target_port = target_port
        with self._server.live_lock:
            live = list(self._server.live)
        for sock in live:
            with suppress(OSError):  # already gone
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._deadline.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def _port_of(url: str) -> int:
    return int(url.split("/")[2].rsplit(":", 1)[1])


class ContainerView:
    """The two relays a container reaches the emulator through, pointed at one account at a
    time: moto and the fake Slack. The Slack webhook secret of the account pointed at names the
    Slack relay (the container reads it from Secrets Manager). Their addresses stay the same
    when :meth:`point_at` switches to another account, so a warm container (start-lambda) can
    serve each event against a fresh account."""

    def __init__(self, account: EmulatedAccount) -> None:
        gateway = bridge_gateway()
        self._moto = BridgeRelay(gateway, _port_of(account.endpoint_url))
        self._slack = BridgeRelay(gateway, _port_of(account.slack_url))
        self.endpoint_url = f"http://{self._moto.address}"
        self.point_at(account)

    def point_at(self, account: EmulatedAccount) -> None:
        slack_port = _port_of(account.slack_url)
        self._moto.retarget(_port_of(account.endpoint_url))
        self._slack.retarget(slack_port)
        url = account.slack_url.replace(f"127.0.0.1:{slack_port}", self._slack.address)
        account.client("secretsmanager").put_secret_value(SecretId=SLACK_SECRET, SecretString=url)

    def close(self) -> None:
        self._moto.close()
        self._slack.close()


@contextmanager
def container_view(account: EmulatedAccount) -> Iterator[ContainerView]:
    """Relays to moto and the fake Slack on the bridge, pointed at ``account``; closed on exit.
    The view's ``endpoint_url`` is the container's AWS_ENDPOINT_URL."""
    view = ContainerView(account)
    try:
        yield view
    finally:
        view.close()


# -- counting what the container asks moto ------------------------------------------------------


class ServerCalls:
    """Counts ``"service.Operation"`` of every request moto answers while active (server side:
    the container's SDK calls arrive here over HTTP, whatever process made them)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.others: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._original: Callable[..., Any] | None = None

    def __enter__(self) -> ServerCalls:
        original: Callable[..., Any] = BaseResponse.call_action
        recorder = self

        def call_action(response: BaseResponse) -> Any:
            agent = str(response.headers.get("User-Agent", ""))
            # SAM CLI itself asks STS for the account id (InvokeContext._add_account_id_to_global,
            # with the emulator's settings, so it lands here too). Its clients say who they are
            # (samcli.lib.utils.boto_utils: user_agent_extra "aws-sam-cli/<version>"); only the
            # function's calls are counted.
            if "aws-sam-cli/" not in agent:
                with recorder._lock:
                    recorder.counts[f"{response.boto3_service_name}.{response._get_action()}"] += 1
            else:
                recorder.others[f"{response.boto3_service_name}.{response._get_action()} {agent[:60]}"] += 1
            return original(response)

        self._original = original
        BaseResponse.call_action = call_action  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._original is not None:
            BaseResponse.call_action = self._original  # type: ignore[method-assign]
            self._original = None


# -- running ------------------------------------------------------------------------------------


@dataclass
class SamInvocation:
    function: str
    event: Path
    response: Any
    error: str | None
    aws_calls: dict[str, int]
    seconds: float
    stdout: str
    stderr: str
    slack_messages: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)

    @property
    def writes(self) -> dict[str, int]:
        return writes_of(self.aws_calls)


def sam_invoke_command(function: str, event: Path, env_vars: Path, architecture: str = TEMPLATE_ARCH) -> list[str]:
    """The command line, as a user would type it (README: local testing)."""
    return [
        str(SAM), "local", "invoke", function,
        "--template", str(local_template(architecture)),
        "--event", str(event),
        "--env-vars", str(env_vars),
        "--parameter-overrides", parameter_overrides(architecture),
        "--skip-pull-image",
        "--layer-cache-basedir", str(LAYER_CACHE),
    ]  # fmt: skip


def parameter_overrides(architecture: str = TEMPLATE_ARCH) -> str:
    pairs = {**PARAMETERS, "PowertoolsLayerArn": powertools_layer_arn(architecture)}
    return " ".join(f"{key}={value}" for key, value in pairs.items())


def parse_sam_stdout(stdout: str) -> tuple[Any, str | None]:
    """SAM CLI prints the function's response as the last line of stdout; a handler that
    raised answers Lambda's error document, turned into the emulator's ``"Type: message"``."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None, "no response on stdout"
    response = json.loads(lines[-1])
    if isinstance(response, dict) and set(response) >= {"errorType", "errorMessage"}:
        return None, f"{response['errorType']}: {response['errorMessage']}"
    return response, None


# SAM CLI (1.170) asks the container's Runtime Interface Emulator for the result as soon as the
# published port accepts a connection (``Container._wait_for_socket_connection``), which Docker's
# port proxy does before the emulator inside listens; ``wait_for_http_response`` then tries 3
# times within about 0.3 s (``samcli.lib.utils.retry``) and gives up: "No response from invoke
# container". Natively the emulator listens in milliseconds; under qemu, on a busy machine, it
# can take longer, and the command then sits until the function's Timeout (a non-daemon
# ``threading.Timer`` started by ``LocalLambdaRuntime._configure_interrupt``) before it exits.
# The handler never ran, so the harness ends that `sam` (its own child) at once and tries again.
NOT_READY = "No response from invoke container"
SAM_ATTEMPTS = 6


def pause_before_retry(attempt: int) -> None:
    """Back off after a NOT_READY attempt (1, 2, 4, 8 s ...): an immediate retry on a machine
    busy enough to delay the emulated runtime's start meets the same delay again."""
    time.sleep(min(2.0**attempt, 8.0))


def container_not_ready(done: subprocess.CompletedProcess[str]) -> bool:
    """True when SAM CLI gave up before the container's runtime answered (see NOT_READY)."""
    return done.returncode != 0 and NOT_READY in done.stderr


def run_sam(command: list[str], *, env: Mapping[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a SAM CLI command (or ``bash -c`` line) from the project root, as subprocess.run does,
    except that when SAM CLI reports NOT_READY the process is ended at once (it would otherwise
    wait out the function's Timeout) with a non-zero exit and that line in its stderr."""
    # Its own process group, ended as a whole: a child left running (SAM CLI's, or the stand-in's
    # `sleep`) would keep the pipes open and the readers waiting.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )

    def end(sig: signal.Signals) -> None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)

    stdout: list[str] = []
    stderr: list[str] = []
    gave_up = threading.Event()

    def read_stdout() -> None:
        assert process.stdout is not None
        stdout.extend(process.stdout)

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr.append(line)
            if NOT_READY in line:
                gave_up.set()
                end(signal.SIGTERM)

    readers = [threading.Thread(target=read_stdout, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    for reader in readers:
        reader.start()
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        end(signal.SIGKILL)
        process.wait(timeout=30)
        raise
    finally:
        end(signal.SIGTERM)  # whatever it left behind
        for reader in readers:
            reader.join(timeout=30)
    if gave_up.is_set() and returncode == 0:
        returncode = 1
    return subprocess.CompletedProcess(command, returncode, "".join(stdout), "".join(stderr))


def sam_invoke(
    account: EmulatedAccount, event: Path, *, function: str | None = None, architecture: str = TEMPLATE_ARCH
) -> SamInvocation:
    """`sam local invoke` of one event against ``account`` (already seeded), in a container of
    ``architecture`` (the template's unless the override is asked for)."""
    function = function or function_of(event)
    prepare_powertools_layer(architecture)
    write_local_template(architecture)
    with container_view(account) as view:
        env_file = STATE / f"env-{architecture}-{os.getpid()}.json"
        env_vars = write_env_vars(account, [function], architecture, env_file, view.endpoint_url)
        slack_before, emails_before = len(account.slack_messages), len(account.emails)
        started = time.perf_counter()
        for attempt in range(SAM_ATTEMPTS):
            if attempt:
                pause_before_retry(attempt - 1)
            # Counted per attempt: an attempt that never reached the runtime made no call.
            with ServerCalls() as calls:
                done = run_sam(
                    sam_invoke_command(function, event, env_vars, architecture),
                    env=sam_environment(account),
                    timeout=guard_seconds(architecture),
                )
            if not container_not_ready(done):
                break
    seconds = time.perf_counter() - started
    record_run(function, event, architecture, seconds)
    if done.returncode != 0:
        raise RuntimeError(f"sam local invoke exited {done.returncode}\n{done.stderr[-4000:]}")
    response, error = parse_sam_stdout(done.stdout)
    return SamInvocation(
        function=function,
        event=event,
        response=response,
        error=error,
        aws_calls=dict(sorted(calls.counts.items())),
        seconds=seconds,
        stdout=done.stdout,
        stderr=done.stderr,
        slack_messages=account.slack_messages[slack_before:],
        emails=account.emails[emails_before:],
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StartLambda:
    """A running ``sam local start-lambda``; its containers reach the account last pointed at."""

    url: str
    process: subprocess.Popen[str]
    view: ContainerView
    architecture: str
    environment: str  # the --env-vars the containers were started with
    log: Path
    functions: list[str]

    def serve(self, account: EmulatedAccount) -> None:
        """Point the containers (warm or not) at ``account``: a fresh sample account names the
        same tables, queues and topics (the stack's generated names), so the environment the
        containers started with still holds; checked, since a warm container keeps it."""
        values = env_vars_of(account, self.functions, self.architecture, self.view.endpoint_url)
        environment = json.dumps(values, indent=1)
        if environment != self.environment:
            raise RuntimeError("this account's function environment differs from the one start-lambda was given")
        self.view.point_at(account)


def env_vars_of(
    account: EmulatedAccount, functions: list[str], architecture: str, endpoint_url: str
) -> dict[str, dict[str, str]]:
    template = json.loads(local_template(architecture).read_text())
    values: dict[str, dict[str, str]] = {}
    for logical_id in functions:
        environment = account.function_environment(logical_id)
        names = declared_variables(template, logical_id)
        # Queue URLs name the emulator's address (127.0.0.1:<port>, unreachable from the
        # container and new with every account): the container gets them on the relay's.
        values[logical_id] = {
            name: environment[name].replace(account.endpoint_url, endpoint_url)
            for name in sorted(names)
            if name in environment
        }
        values[logical_id]["AWS_ENDPOINT_URL"] = endpoint_url
    return values


@contextmanager
def start_lambda(
    account: EmulatedAccount, architecture: str = TEMPLATE_ARCH, *, warm: bool = True
) -> Iterator[StartLambda]:
    """`sam local start-lambda` on 127.0.0.1 serving the template's functions (the Lambda Invoke
    API) in ``architecture`` containers, pointed at ``account`` (:meth:`StartLambda.serve`
    switches to another); stopped (by its pid) on exit. ``account`` need stay open only until
    this yields: SAM CLI asks it for the account id once, at start, and the emulator allows one
    open account per process, so each event's fresh account opens after this one closed.
    ``warm``: ``--warm-containers LAZY``, one container per function, started on its first
    invocation and kept (as Lambda keeps an execution environment), instead of a new container
    per invocation."""
    prepare_powertools_layer(architecture)
    write_local_template(architecture)
    port = free_port()
    with container_view(account) as view:
        template = json.loads(local_template(architecture).read_text())
        functions = [lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
        env_vars = write_env_vars(
            account,
            functions,
            architecture,
            STATE / f"env-start-lambda-{architecture}-{os.getpid()}.json",
            view.endpoint_url,
        )
        command = [
            str(SAM), "local", "start-lambda", "--host", "127.0.0.1", "--port", str(port),
            "--template", str(local_template(architecture)), "--env-vars", str(env_vars),
            "--parameter-overrides", parameter_overrides(architecture), "--skip-pull-image",
            "--layer-cache-basedir", str(LAYER_CACHE),
            # The code does not change during a run: no file watcher to restart containers.
            *(["--warm-containers", "LAZY", "--no-watch"] if warm else []),
        ]  # fmt: skip
        log_path = STATE / f"start-lambda-{architecture}-{os.getpid()}.log"
        log = log_path.open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=sam_environment(account), stdout=log, stderr=log, text=True)
        try:
            deadline = time.monotonic() + NATIVE_GUARD_SECONDS
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"sam local start-lambda exited {process.returncode}; see {log.name}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"sam local start-lambda did not listen within {NATIVE_GUARD_SECONDS} s; see {log.name}"
                        ) from None
                    time.sleep(0.5)
            yield StartLambda(
                url=f"http://127.0.0.1:{port}",
                process=process,
                view=view,
                architecture=architecture,
                environment=env_vars.read_text(),
                log=log_path,
                functions=functions,
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()


def invoke_through_start_lambda(
    account: EmulatedAccount, service: StartLambda, function: str, event: Path
) -> SamInvocation:
    """boto3 ``lambda.invoke`` against start-lambda, as a test script of a user's would, with
    the containers pointed at ``account``."""
    service.serve(account)
    client = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=account.region
    ).client(
        "lambda",
        endpoint_url=service.url,
        config=Config(
            read_timeout=guard_seconds(service.architecture), connect_timeout=10, retries={"max_attempts": 0}
        ),
    )
    slack_before, emails_before = len(account.slack_messages), len(account.emails)
    started = time.perf_counter()
    for attempt in range(SAM_ATTEMPTS):
        if attempt:
            pause_before_retry(attempt - 1)
        logged = service.log.stat().st_size
        with ServerCalls() as calls:
            answer = client.invoke(FunctionName=function, Payload=event.read_bytes())
        raw = answer["Payload"].read()
        # A function's first invocation starts its container: SAM CLI may ask too early (NOT_READY);
        # the container stays, and the runtime never saw the event.
        with service.log.open("rb") as log:
            log.seek(logged)
            if raw or NOT_READY.encode() not in log.read():
                break
    seconds = time.perf_counter() - started
    record_run(f"{function} (start-lambda)", event, service.architecture, seconds)
    payload = json.loads(raw or b"null")
    error = None
    if answer.get("FunctionError"):
        error = f"{payload.get('errorType')}: {payload.get('errorMessage')}"
        payload = None
    return SamInvocation(
        function=function,
        event=event,
        response=payload,
        error=error,
        aws_calls=dict(sorted(calls.counts.items())),
        seconds=seconds,
        stdout="",
        stderr=service.log.read_text(),
        slack_messages=account.slack_messages[slack_before:],
        emails=account.emails[emails_before:],
    )


@contextmanager
def seeded_account() -> Iterator[EmulatedAccount]:
    account = open_seeded_account()
    try:
        yield account
    finally:
        account.close()


def emulated_invoke(event: Path) -> Invocation:
    """The same event through ``EmulatedAccount.invoke``, in its own fresh seeded account."""
    with seeded_account() as account:
        return account.invoke(function_of(event), load_event(event))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sam local invoke against a fresh emulated account")
    parser.add_argument("function", help="logical id, e.g. OnboardFunction")
    parser.add_argument("-e", "--event", required=True, type=Path)
    parser.add_argument(
        "--architecture",
        choices=["arm64", "x86_64"],
        default=TEMPLATE_ARCH,
        help="the container's architecture (default: the template's, arm64; x86_64 is the local-only override)",
    )
    args = parser.parse_args(argv)
    event = args.event.resolve()
    expected = emulated_invoke(event)
    with seeded_account() as account:
        result = sam_invoke(account, event, function=args.function, architecture=args.architecture)
    sys.stderr.write(result.stderr)
    report = {
        "function": args.function,
        "event": str(args.event),
        "architecture": args.architecture,
        "response": result.response,
        "error": result.error,
        "writes": result.writes,
        "aws_calls": result.aws_calls,
        "seconds": round(result.seconds, 1),
        "emulated": {"response": expected.response, "error": expected.error, "writes": expected.writes},
    }
    print(json.dumps(report, indent=2, default=str))
    same = (result.response, result.error, result.writes) == (expected.response, expected.error, expected.writes)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
