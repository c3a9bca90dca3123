"""The cheapest endpoint that works, as SageMaker API requests (pure).

Choice: a **serverless** endpoint (2048 MB, MaxConcurrency 1) serving a constant from SageMaker's
own scikit-learn image. Why not the cheapest real-time instance: ml.t2.medium bills every second
it exists (about 0.056 USD/hour in us-east-1, "Amazon SageMaker AI pricing", real-time
inference), and an endpoint left behind by a killed run keeps billing ~40 USD a month; a
serverless endpoint bills only the milliseconds it computes ("Serverless Inference": "scales your
endpoint down to 0") — a few cents at most for the scenario's 20 requests, nothing while idle.
What serverless lacks: instance metrics (CPU, disk, GPU) — SageWatch gives it no alarms on them,
and the scenario checks that too; the alarm it drives (5XX rate) exists on every endpoint kind.

Why SageMaker's scikit-learn image: serverless endpoints pull images from ECR only ("Serverless
Inference" feature exclusions: no private registries), the image is AWS-owned (nothing to build
or push), small enough for serverless's 10 GB image limit, and runs a 20-line script.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

from tests.e2e.naming import VARIANT, RunNames

MEMORY_MB = 2048
MAX_CONCURRENCY = 1
SKLEARN_TAG = "1.2-1-cpu-py3"
SCRIPT = Path(__file__).resolve().parent / "model" / "inference.py"

# AWS's registry account of the SageMaker scikit-learn image, per region (the SageMaker Python
# SDK's image_uri_config/sklearn.json; "Docker Registry Paths and Example Code" in the SageMaker
# developer guide). Other regions: give the image with SAGEWATCH_E2E_IMAGE_URI.
SKLEARN_REGISTRIES = {
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-south-1": "720646828776",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ca-central-1": "341280168497",
    "eu-central-1": "492215442770",
    "eu-north-1": "662702820516",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
}


class UnknownImageError(LookupError):
    pass


def sklearn_image(region: str) -> str:
    account = SKLEARN_REGISTRIES.get(region)
    if account is None:
        raise UnknownImageError(
            f"no scikit-learn image registry recorded for {region}: set SAGEWATCH_E2E_IMAGE_URI "
            "(see 'Docker Registry Paths and Example Code' in the SageMaker developer guide)"
        )
    return f"{account}.dkr.ecr.{region}.amazonaws.com/sagemaker-scikit-learn:{SKLEARN_TAG}"


def model_archive(script: Path = SCRIPT) -> bytes:
    """model.tar.gz holding only code/inference.py (deterministic: fixed mtime, owner and mode)."""
    buffer = io.BytesIO()
    data = script.read_bytes()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("code/inference.py")
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 0
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def model_key(names: RunNames) -> str:
    return f"{names.artifact_prefix}model/model.tar.gz"


def create_model_request(names: RunNames, *, image: str, bucket: str, role_arn: str) -> dict[str, Any]:
    return {
        "ModelName": names.model,
        "ExecutionRoleArn": role_arn,
        "PrimaryContainer": {
            "Image": image,
            "ModelDataUrl": f"s3://{bucket}/{model_key(names)}",
            "Environment": {
                "SAGEMAKER_PROGRAM": "inference.py",
                "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
                "SAGEMAKER_REGION": names.region,
            },
        },
        "Tags": [names.tag],
    }


def create_endpoint_config_request(names: RunNames) -> dict[str, Any]:
    return {
        "EndpointConfigName": names.endpoint_config,
        "ProductionVariants": [
            {
                "VariantName": VARIANT,
                "ModelName": names.model,
                "ServerlessConfig": {"MemorySizeInMB": MEMORY_MB, "MaxConcurrency": MAX_CONCURRENCY},
            }
        ],
        "Tags": [names.tag],
    }


def create_endpoint_request(names: RunNames) -> dict[str, Any]:
    return {"EndpointName": names.endpoint, "EndpointConfigName": names.endpoint_config, "Tags": [names.tag]}
