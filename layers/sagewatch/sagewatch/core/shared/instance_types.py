"""What a SageMaker hosting instance type is made of: vCPUs, memory, GPUs, Neuron devices.

Why this exists: SageMaker publishes CPUUtilization, GPUUtilization and GPUMemoryUtilization
*summed* over cores/GPUs (400 % on a 4-vCPU box), so dashboards and thresholds have to be
normalised by the instance's shape. ``lookup`` answers ``None`` for a type it does not know;
callers then fall back to raw, un-normalised numbers rather than guess.

The figures are the EC2 specifications of the instance behind each ``ml.*`` type. Only
NVIDIA GPUs count in ``gpus``: Inferentia and Trainium chips are not reported in
GPUUtilization, so they are counted in ``neuron_devices`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpus: int
    memory_gib: float
    gpus: int = 0
    accelerator: str | None = None
    neuron_devices: int = 0


def lookup(name: str) -> InstanceType | None:
    """The instance type called exactly ``name`` (e.g. ``ml.m5.xlarge``), or None if unknown."""
    return _CATALOGUE.get(name)


def known_instance_types() -> tuple[str, ...]:
    return tuple(sorted(_CATALOGUE))


# --- compact tables -----------------------------------------------------------------------
#
# Most CPU families keep a fixed memory-per-vCPU ratio and a vCPU count that follows from the
# size name (large = 2, xlarge = 4, Nxlarge = 4N, medium = 1), so one line per family is
# enough. Families that break that rule (burstable t2/t3, c4, every accelerated family) are
# written out size by size.


def _size_vcpus(size: str) -> int:
    if size == "medium":
        return 1
    if size == "large":
        return 2
    if size == "xlarge":
        return 4
    if size.endswith("xlarge") and size[: -len("xlarge")].isdigit():
        return 4 * int(size[: -len("xlarge")])
    raise ValueError(f"cannot derive vCPUs from size {size!r}")


# family -> (GiB per vCPU, sizes sold for hosting)
_RATIO_FAMILIES: dict[str, tuple[float, str]] = {
    # general purpose: 4 GiB per vCPU
    "m4": (4, "xlarge 2xlarge 4xlarge 10xlarge 16xlarge"),
    "m5": (4, "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge"),
    "m5d": (4, "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge"),
    "m6g": (4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "m6gd": (4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "m6i": (4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge"),
    "m6id": (4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge"),
    "m7i": (4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge"),
    "m7g": (4, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    # compute optimised: 2 GiB per vCPU
    "c5": (2, "large xlarge 2xlarge 4xlarge 9xlarge 18xlarge"),
    "c5d": (2, "large xlarge 2xlarge 4xlarge 9xlarge 18xlarge"),
    "c6g": (2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "c6gd": (2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "c6gn": (2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "c6i": (2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge"),
    "c6id": (2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge"),
    "c7g": (2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "c7i": (2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge"),
    # memory optimised: 8 GiB per vCPU
    "r5": (8, "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge"),
    "r5d": (8, "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge"),
    "r6g": (8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "r6gd": (8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "r6i": (8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge"),
    "r7g": (8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    "r7i": (8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge"),
}

# family -> rows of (size, vCPUs, GiB); for CPU families whose shape does not follow a ratio.
_EXPLICIT_CPU_FAMILIES: dict[str, tuple[tuple[str, int, float], ...]] = {
    "t2": (("medium", 2, 4), ("large", 2, 8), ("xlarge", 4, 16), ("2xlarge", 8, 32)),
    "t3": (("medium", 2, 4), ("large", 2, 8), ("xlarge", 4, 16), ("2xlarge", 8, 32)),
    "c4": (
        ("large", 2, 3.75),
        ("xlarge", 4, 7.5),
        ("2xlarge", 8, 15),
        ("4xlarge", 16, 30),
        ("8xlarge", 36, 60),
    ),
}

# family -> (accelerator, is NVIDIA GPU, rows of (size, vCPUs, GiB, accelerator devices))
_ACCELERATED_FAMILIES: dict[str, tuple[str, bool, tuple[tuple[str, int, float, int], ...]]] = {
    "g4dn": (
        "NVIDIA T4",
        True,
        (
            ("xlarge", 4, 16, 1),
            ("2xlarge", 8, 32, 1),
            ("4xlarge", 16, 64, 1),
            ("8xlarge", 32, 128, 1),
            ("12xlarge", 48, 192, 4),
            ("16xlarge", 64, 256, 1),
        ),
    ),
    "g5": (
        "NVIDIA A10G",
        True,
        (
            ("xlarge", 4, 16, 1),
            ("2xlarge", 8, 32, 1),
            ("4xlarge", 16, 64, 1),
            ("8xlarge", 32, 128, 1),
            ("12xlarge", 48, 192, 4),
            ("16xlarge", 64, 256, 1),
            ("24xlarge", 96, 384, 4),
            ("48xlarge", 192, 768, 8),
        ),
    ),
    "g6": (
        "NVIDIA L4",
        True,
        (
            ("xlarge", 4, 16, 1),
            ("2xlarge", 8, 32, 1),
            ("4xlarge", 16, 64, 1),
            ("8xlarge", 32, 128, 1),
            ("12xlarge", 48, 192, 4),
            ("16xlarge", 64, 256, 1),
            ("24xlarge", 96, 384, 4),
            ("48xlarge", 192, 768, 8),
        ),
    ),
    "g6e": (
        "NVIDIA L40S",
        True,
        (
            ("xlarge", 4, 32, 1),
            ("2xlarge", 8, 64, 1),
            ("4xlarge", 16, 128, 1),
            ("8xlarge", 32, 256, 1),
            ("12xlarge", 48, 384, 4),
            ("16xlarge", 64, 512, 1),
            ("24xlarge", 96, 768, 4),
            ("48xlarge", 192, 1536, 8),
        ),
    ),
    "p2": ("NVIDIA K80", True, (("xlarge", 4, 61, 1), ("8xlarge", 32, 488, 8), ("16xlarge", 64, 732, 16))),
    "p3": ("NVIDIA V100", True, (("2xlarge", 8, 61, 1), ("8xlarge", 32, 244, 4), ("16xlarge", 64, 488, 8))),
    "p4d": ("NVIDIA A100", True, (("24xlarge", 96, 1152, 8),)),
    "p4de": ("NVIDIA A100", True, (("24xlarge", 96, 1152, 8),)),
    "p5": ("NVIDIA H100", True, (("48xlarge", 192, 2048, 8),)),
    "p5e": ("NVIDIA H200", True, (("48xlarge", 192, 2048, 8),)),
    "inf1": (
        "AWS Inferentia",
        False,
        (("xlarge", 4, 8, 1), ("2xlarge", 8, 16, 1), ("6xlarge", 24, 48, 4), ("24xlarge", 96, 192, 16)),
    ),
    "inf2": (
        "AWS Inferentia2",
        False,
        (("xlarge", 4, 16, 1), ("8xlarge", 32, 128, 1), ("24xlarge", 96, 384, 6), ("48xlarge", 192, 768, 12)),
    ),
    "trn1": ("AWS Trainium", False, (("2xlarge", 8, 32, 1), ("32xlarge", 128, 512, 16))),
    "trn2": ("AWS Trainium2", False, (("48xlarge", 192, 2048, 16),)),
}


def _build() -> Mapping[str, InstanceType]:
    def rows() -> Iterable[InstanceType]:
        for family, (gib_per_vcpu, sizes) in _RATIO_FAMILIES.items():
            for size in sizes.split():
                vcpus = _size_vcpus(size)
                yield InstanceType(f"ml.{family}.{size}", vcpus, float(vcpus * gib_per_vcpu))
        for family, cpu_rows in _EXPLICIT_CPU_FAMILIES.items():
            for size, vcpus, memory in cpu_rows:
                yield InstanceType(f"ml.{family}.{size}", vcpus, float(memory))
        for family, (accelerator, nvidia, accel_rows) in _ACCELERATED_FAMILIES.items():
            for size, vcpus, memory, devices in accel_rows:
                yield InstanceType(
                    f"ml.{family}.{size}",
                    vcpus,
                    float(memory),
                    gpus=devices if nvidia else 0,
                    accelerator=accelerator,
                    neuron_devices=0 if nvidia else devices,
                )

    catalogue: dict[str, InstanceType] = {}
    for item in rows():
        if item.name in catalogue:
            raise ValueError(f"instance type {item.name} is listed twice")
        catalogue[item.name] = item
    return MappingProxyType(catalogue)


_CATALOGUE = _build()
