"""What onboarding tells about an endpoint's fit, by how much it matters.

Notes stay strings (they go into results, plans and `sagewatch plan` as they are); the type says
whether a note is information — expected, e.g. a schedule's drift alarm count and cost, told on
every re-fit — or a problem a person should fix (an unknown instance type, an invalid tag), which
is any other string. Onboarding logs the first at INFO and the rest as WARNING.
"""

from __future__ import annotations


class InfoNote(str):
    """A note that informs (logged at INFO); any other note is a problem (logged as WARNING)."""

    __slots__ = ()


def is_problem(note: str) -> bool:
    return not isinstance(note, InfoNote)
