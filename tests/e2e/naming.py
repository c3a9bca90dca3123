"""The names of one scenario run: everything it creates carries one unique prefix.

The prefix is the stack name and the stack's ``NamePrefix`` parameter at once, so every alarm
(``<prefix>/<endpoint>/...`` and the stack's own ``<prefix>-...``), every dashboard
(``<prefix>_<region>_<endpoint>``, ``<prefix>-<region>-fleet``), every log group of the stack's
functions (``/aws/lambda/<prefix>-...``) and every resource tagged ``sagewatch-e2e=<prefix>``
belongs to that run and to no other: a sweep by prefix can find all of it, and cannot touch
anything else. The prefix has a fixed shape (:data:`PREFIX_PATTERN`), and ``make e2e-clean``
refuses any other, so a typo cannot sweep someone's production alarms.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sagewatch.core.shared.naming import alarm_prefix, dashboard_name, is_valid_endpoint_name, validate_prefix

# Not "sagewatch:…": endpoint tags of that form are SageWatch's own per-endpoint settings.
TAG_KEY = "sagewatch-e2e"
# "sw-e2e-" + month, day, hour, minute (UTC) + "-" + four random hex digits: 20 characters,
# inside NamePrefix's AllowedPattern (^[A-Za-z][A-Za-z0-9-]{0,31}$) and short enough that
# "<prefix>-fixtures" and every name the template builds from the stack name fit their limits.
PREFIX_PATTERN = re.compile(r"^sw-e2e-\d{8}-[0-9a-f]{4}$")
# NotifyFunction may only read secrets under SlackSecretNamePrefix (default "sagewatch/").
SECRET_NAME_PREFIX = "sagewatch/"
VARIANT = "AllTraffic"


class NotARunPrefixError(ValueError):
    """A prefix that is not of this suite's shape: nothing is swept for it."""


def new_prefix(now: datetime, token: str | None = None) -> str:
    """A fresh run prefix, unique by the minute and four random hex digits."""
    suffix = token if token is not None else secrets.token_hex(2)
    return check_prefix(f"sw-e2e-{now:%m%d%H%M}-{suffix}")


def check_prefix(prefix: str) -> str:
    """The prefix itself, or :class:`NotARunPrefixError` when it is not one this suite makes."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise NotARunPrefixError(
            f"{prefix!r} is not a prefix this suite creates (sw-e2e-MMDDHHMM-xxxx): refusing to touch it"
        )
    return validate_prefix(prefix)


@dataclass(frozen=True)
class RunNames:
    """Every name of one run, derived from its prefix."""

    prefix: str
    region: str

    def __post_init__(self) -> None:
        check_prefix(self.prefix)
        if not is_valid_endpoint_name(self.endpoint):
            raise NotARunPrefixError(f"{self.endpoint!r} is not a valid SageMaker endpoint name")

    @property
    def stack(self) -> str:
        """The SageWatch stack (``sam deploy --stack-name``); also its NamePrefix."""
        return self.prefix

    @property
    def fixtures_stack(self) -> str:
        """The suite's own stack: the model's bucket and role, the alert receiver."""
        return f"{self.prefix}-fixtures"

    @property
    def endpoint(self) -> str:
        return f"{self.prefix}-ep"

    @property
    def endpoint_config(self) -> str:
        return f"{self.prefix}-config"

    @property
    def model(self) -> str:
        return f"{self.prefix}-model"

    @property
    def webhook_secret(self) -> str:
        return f"{SECRET_NAME_PREFIX}{self.prefix}/webhook"

    @property
    def tag(self) -> dict[str, str]:
        """The tag every resource of the run carries (stack tags propagate to the stack's resources)."""
        return {"Key": TAG_KEY, "Value": self.prefix}

    @property
    def endpoint_alarm_prefix(self) -> str:
        """AlarmNamePrefix of the endpoint's alarms (exactly this endpoint's)."""
        return alarm_prefix(self.prefix, self.endpoint)

    @property
    def endpoint_dashboard(self) -> str:
        return dashboard_name(self.prefix, self.region, self.endpoint)

    @property
    def endpoint_log_group(self) -> str:
        """SageMaker creates it for the endpoint's container and never deletes it."""
        return f"/aws/sagemaker/Endpoints/{self.endpoint}"

    @property
    def function_log_group_prefix(self) -> str:
        return f"/aws/lambda/{self.stack}-"

    @property
    def artifact_prefix(self) -> str:
        """Key prefix of what the run puts in the fixtures bucket (model, SAM's packages)."""
        return f"{self.prefix}/"

    def owns_alarm(self, name: str) -> bool:
        """Alarms of the run: the endpoint's (``<prefix>/…``) and the stack's own (``<prefix>-…``)."""
        return name.startswith((f"{self.prefix}/", f"{self.prefix}-"))

    def owns_dashboard(self, name: str) -> bool:
        """Dashboards of the run: per endpoint (``<prefix>_…``) and the fleet's (``<prefix>-…``)."""
        return name.startswith((f"{self.prefix}_", f"{self.prefix}-"))
