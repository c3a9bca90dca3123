"""The instance-type catalogue: well-known sizes and invariants over the whole table."""

from __future__ import annotations

import pytest

from sagewatch.core.shared.instance_types import InstanceType, known_instance_types, lookup

HOSTING_FAMILIES = (
    "t2 t3 m4 m5 m5d m6g m6gd m6i m6id m7i m7g c4 c5 c5d c6g c6gd c6gn c6i c6id c7g c7i "
    "r5 r5d r6g r6gd r6i r7g r7i g4dn g5 g6 g6e p2 p3 p4d p4de p5 p5e inf1 inf2 trn1 trn2"
)


@pytest.mark.parametrize(
    ("name", "vcpus", "memory_gib", "gpus", "accelerator", "neuron_devices"),
    [
        ("ml.m5.xlarge", 4, 16, 0, None, 0),
        ("ml.c5.9xlarge", 36, 72, 0, None, 0),
        ("ml.c4.8xlarge", 36, 60, 0, None, 0),
        ("ml.t2.medium", 2, 4, 0, None, 0),
        ("ml.r5.24xlarge", 96, 768, 0, None, 0),
        ("ml.m7g.medium", 1, 4, 0, None, 0),
        ("ml.g4dn.xlarge", 4, 16, 1, "NVIDIA T4", 0),
        ("ml.g4dn.12xlarge", 48, 192, 4, "NVIDIA T4", 0),
        ("ml.g5.12xlarge", 48, 192, 4, "NVIDIA A10G", 0),
        ("ml.g5.48xlarge", 192, 768, 8, "NVIDIA A10G", 0),
        ("ml.g6.xlarge", 4, 16, 1, "NVIDIA L4", 0),
        ("ml.g6e.xlarge", 4, 32, 1, "NVIDIA L40S", 0),
        ("ml.p3.2xlarge", 8, 61, 1, "NVIDIA V100", 0),
        ("ml.p4d.24xlarge", 96, 1152, 8, "NVIDIA A100", 0),
        ("ml.p5.48xlarge", 192, 2048, 8, "NVIDIA H100", 0),
        ("ml.inf1.xlarge", 4, 8, 0, "AWS Inferentia", 1),
        ("ml.inf2.48xlarge", 192, 768, 0, "AWS Inferentia2", 12),
        ("ml.trn1.32xlarge", 128, 512, 0, "AWS Trainium", 16),
    ],
)
def test_well_known_sizes_have_their_ec2_shape(
    name: str, vcpus: int, memory_gib: float, gpus: int, accelerator: str | None, neuron_devices: int
) -> None:
    assert lookup(name) == InstanceType(name, vcpus, memory_gib, gpus, accelerator, neuron_devices)


@pytest.mark.parametrize("name", ["ml.m5.3xlarge", "ml.z9.large", "m5.xlarge", "ML.M5.XLARGE", "", "ml.m5.xlarge "])
def test_unknown_or_inexact_names_are_not_found(name: str) -> None:
    assert lookup(name) is None


def test_neuron_accelerators_are_not_counted_as_gpus() -> None:
    # GPUUtilization does not cover Inferentia/Trainium, so dividing by a chip count would be wrong.
    inf2 = lookup("ml.inf2.48xlarge")
    assert inf2 is not None
    assert inf2.gpus == 0
    assert inf2.neuron_devices == 12


def test_catalogue_covers_every_hosting_family() -> None:
    families = {name.split(".")[1] for name in known_instance_types()}
    assert set(HOSTING_FAMILIES.split()) <= families


def test_known_instance_types_is_sorted_and_unique() -> None:
    names = known_instance_types()
    assert list(names) == sorted(set(names))


@pytest.mark.parametrize("name", known_instance_types())
def test_every_entry_is_consistent(name: str) -> None:
    spec = lookup(name)
    assert spec is not None
    assert spec.name == name
    assert name.startswith("ml.")
    assert spec.vcpus > 0
    assert spec.memory_gib > 0
    nvidia = spec.accelerator is not None and spec.accelerator.startswith("NVIDIA")
    assert (spec.gpus > 0) == nvidia
    assert (spec.neuron_devices > 0) == (spec.accelerator is not None and spec.accelerator.startswith("AWS"))
    assert not (spec.gpus and spec.neuron_devices)
