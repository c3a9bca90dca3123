"""An account method that one of its parts carries out, typed as the part's own method.

``EmulatedAccount`` is a facade: each verb a test calls (``account.create_endpoint(...)``) is the
method of the part that owns its concern (``account.endpoints.create_endpoint(...)``). Writing
each delegate out would repeat every signature and docstring in the facade; a :class:`PartMethod`
is one line, and mypy checks the call against the part's signature (``ParamSpec``)::

    class EmulatedAccount:
        create_endpoint = PartMethod("endpoints", SageMakerEndpoints.create_endpoint)

The part is looked up on each access, so a part that only exists while the account is open
raises the account's own "not open" error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

__all__ = ["OpenPart", "PartMethod", "PartProperty"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
Part = TypeVar("Part")


class OpenPart(Generic[T]):
    """``owner.<name>``: the part of that name of the open account (``owner._open().<name>``),
    the account's "not open" error else."""

    def __set_name__(self, owner_type: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> OpenPart[T]: ...

    @overload
    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> T: ...

    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> T | OpenPart[T]:
        if owner is None:
            return self
        part: T = getattr(owner._open(), self.name)  # type: ignore[attr-defined]
        return part


class PartProperty(Generic[Part, R]):
    """``owner.<name>`` is ``method(getattr(owner, part))``: a part's answer read as a property."""

    def __init__(self, part: str, method: Callable[[Part], R]) -> None:
        self.part = part
        self.method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> PartProperty[Part, R]: ...

    @overload
    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> R: ...

    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> R | PartProperty[Part, R]:
        if owner is None:
            return self
        return self.method(getattr(owner, self.part))


class PartMethod(Generic[Part, P, R]):
    """``owner.<name>(...)`` calls ``method(getattr(owner, part), ...)``."""

    def __init__(self, part: str, method: Callable[Concatenate[Part, P], R]) -> None:
        self.part = part
        self.method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> PartMethod[Part, P, R]: ...

    @overload
    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> Callable[P, R]: ...

    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> Callable[P, R] | PartMethod[Part, P, R]:
        if owner is None:
            return self
        part: Part = getattr(owner, self.part)
        method = self.method

        def bound(*args: P.args, **kwargs: P.kwargs) -> R:
            return method(part, *args, **kwargs)

        bound.__name__ = getattr(method, "__name__", self.part)
        bound.__doc__ = method.__doc__
        return bound
