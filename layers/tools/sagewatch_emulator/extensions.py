"""Emulator extensions: where moto 5.2.x falls short of what SageWatch calls, widen moto — never the product.

Each extension is installed when an :class:`~sagewatch_emulator.EmulatedAccount` opens
(:func:`sagewatch_emulator.install.install_extensions`) and removed when it closes, so nothing
outlives the account. They change what the *emulator* accepts or answers, to the shape the real
API has; product code keeps making the real calls.

:class:`MotoExtensions` is the register: an extension replaces an attribute of one of moto's
classes with :meth:`MotoExtensions.patch`, and :meth:`MotoExtensions.uninstall` puts every
original back. What each extension covers is in its own module:

- :mod:`sagewatch_emulator.sagemaker` — instance types, UpdateEndpoint, inference components,
  DescribeEndpoint's AsyncInferenceConfig;
- :mod:`sagewatch_emulator.model_monitor.service` — Model Monitor schedules and executions;
- :mod:`sagewatch_emulator.cloudwatch` — GetMetricData statistics and metric math,
  GetMetricWidgetImage, FilterLogEvents term patterns, DescribeAlarmHistory; opt-in quotas and
  DescribeAlarms paging;
- :mod:`sagewatch_emulator.faults` — errors injected on demand;
- :mod:`sagewatch_emulator.powertools_cache` — process state, not moto: an empty Powertools
  parameter cache per account.
"""

from __future__ import annotations

import re

__all__ = ["MotoExtensions", "snake_case"]

_MISSING = object()


class MotoExtensions:
    """Installs the extensions on moto's classes and removes them again (restoring originals)."""

    def __init__(self) -> None:
        self._patches: list[tuple[object, str, object]] = []
        self.installed: list[str] = []
        """One line per extension in place, for a test or a log to say what is emulated."""

    def patch(self, owner: object, name: str, value: object) -> None:
        """Set ``owner.name`` to ``value`` until :meth:`uninstall` (which restores the original)."""
        self._patches.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def uninstall(self) -> None:
        while self._patches:
            owner, name, original = self._patches.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self.installed.clear()


def snake_case(operation: str) -> str:
    """moto's handler name for an API operation: ``PutMetricAlarm`` → ``put_metric_alarm``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower().replace("_x_x", "xx")
