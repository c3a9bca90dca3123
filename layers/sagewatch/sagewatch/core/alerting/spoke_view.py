"""A spoke's alert says where it is from (docs/hub-and-spokes.md (e)).

The account is named by its alias (or Organizations name) when it has one, always with its ID,
and the region (``AlertView.account_text``, shown in the facts and the digest). Console links
open in the spoke account only for someone signed in there: each link says which account it
opens, and with the operator's console role (``SpokeConsoleRoleName``) a first link switches to
it through the documented switch-role link,
``https://signin.aws.amazon.com/switchrole?account=<id>&roleName=<role>&displayName=<name>``
("How do I provide IAM users with a link to assume an IAM role?", AWS re:Post knowledge center;
"Switch from a user to an IAM role (console)", IAM user guide). The role is the PEOPLE's role:
the console cannot switch to a role that requires an external ID, as the hub's does. The
switch-role host is published for the commercial partition; elsewhere no switch link is made.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.shared.partitions import COMMERCIAL, partition

_SIGNIN_HOSTS = {COMMERCIAL: "signin.aws.amazon.com"}
MAX_DISPLAY_NAME = 64  # the console shows the display name in its navigation bar: kept short


def switch_role_url(region: str, account_id: str, role: str, display_name: str) -> str | None:
    """The console's switch-role link into ``account_id`` as ``role``; None where no host is documented."""
    host = _SIGNIN_HOSTS.get(partition(region))
    if host is None:
        return None
    query = urlencode({"account": account_id, "roleName": role, "displayName": display_name[:MAX_DISPLAY_NAME]})
    return f"https://{host}/switchrole?{query}"


def in_spoke(view: AlertView, *, account_name: str | None, console_role: str | None) -> AlertView:
    """``view`` of a spoke's alert: the account named, every link saying which account it opens,
    and, with a console role, a first link that switches to it."""
    named = replace(view, in_spoke=True, account_name=account_name)
    account = named.account_text
    links = [Link(f"{link.label} in {account}", link.url) for link in view.links]
    switch = (
        switch_role_url(view.region, view.account_id, console_role, account_name or view.account_id)
        if console_role and view.account_id
        else None
    )
    if switch is not None:
        links.insert(0, Link(f"Switch role to {account}", switch))
    return replace(named, links=tuple(links))
