"""The smallest model that serves: the real run's serverless endpoint runs this in SageMaker's scikit-learn image.

It is packed as ``code/inference.py`` in the run's ``model.tar.gz``; the model's environment names
it (``SAGEMAKER_PROGRAM=inference.py``, ``SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code``), the
way the SageMaker Python SDK's SKLearnModel packs an entry point. It loads nothing and answers
every JSON request with a constant score: the scenario needs an endpoint that is IN_SERVICE and
publishes invocation metrics, not a model. The functions are the scikit-learn container's
serving hooks (model_fn, input_fn, predict_fn, output_fn).
"""

from __future__ import annotations

import json
from typing import Any


def model_fn(model_dir: str) -> dict[str, float]:
    return {"score": 0.5}


def input_fn(body: bytes | str, content_type: str) -> Any:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return json.loads(text or "{}")


def predict_fn(data: Any, model: dict[str, float]) -> dict[str, Any]:
    return {"score": model["score"], "received": len(json.dumps(data))}


def output_fn(prediction: dict[str, Any], accept: str) -> tuple[str, str]:
    return json.dumps(prediction), "application/json"
