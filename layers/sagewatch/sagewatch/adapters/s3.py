"""Read a Model Monitor report from S3: one bounded GetObject (a Range request).

Only NotifyFunction reads reports, and only in the bucket (or bucket/prefix) the operator named
in MonitoringReportsBucket: s3:GetObject on exactly that (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from sagewatch.adapters.aws import error_code
from sagewatch.core.alerting.delivery_errors import ReportUnavailableError as ReportUnavailableError

# GetObject answers AccessDenied for a missing key when the caller lacks s3:ListBucket (S3 API
# reference, GetObject: "If you don't have the s3:ListBucket permission, Amazon S3 returns an
# HTTP status code 403 Access Denied error"): both are "not readable here".
_MISSING = frozenset({"NoSuchKey", "404", "NotFound", "InvalidRange"})  # InvalidRange: an empty object
_DENIED = frozenset({"AccessDenied", "403", "AllAccessDisabled", "InvalidObjectState", "KMS.AccessDeniedException"})


class ReportReader:
    def __init__(self, client: Any) -> None:
        self._client = client

    def read(self, bucket: str, key: str, max_bytes: int) -> bytes:
        """The first ``max_bytes`` of the object; ReportUnavailableError says why not."""
        try:
            response = self._client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{max_bytes - 1}")
            body: bytes = response["Body"].read(max_bytes)
        except ClientError as exc:
            code = error_code(exc)
            reason = "missing" if code in _MISSING else "denied" if code in _DENIED else "error"
            raise ReportUnavailableError(reason, code) from None
        return body
