"""The ``sagewatch`` console script: plan, sync, remove, invoke and demo (never shipped in the layer)."""
