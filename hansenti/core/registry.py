"""Name -> object registries, filled by decorators, calls and entry points.

Entry points are listed cheaply but loaded only when their name is asked for, so a
broken or heavy plugin costs nothing until someone uses it.
"""

from __future__ import annotations

import functools
import logging
import re
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Callable, Generic, TypeVar

from .errors import HansentiError, UnknownNameError

log = logging.getLogger("hansenti")

T = TypeVar("T")


class Registry(Generic[T]):
    """A small catalogue-style registry usable as a decorator or a call."""

    def __init__(self, kind: str, entry_point_group: str | None = None) -> None:
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._objects: dict[str, T] = {}
        self._entry_points: dict[str, EntryPoint] | None = None
        self._adapter: Callable[[str, Any], T] | None = None

    def adapt_with(self, adapter: Callable[[str, Any], T]) -> None:
        """Have ``adapter(name, obj)`` check and convert what is registered (the layer
        that knows the registered type sets it: a plain function becomes a tokenizer)."""
        self._adapter = adapter

    def register(self, name: str, obj: T | None = None, *, exist_ok: bool = False):
        """Register ``obj`` as ``name``; without ``obj``, return a decorator that does."""
        if obj is None:
            return lambda target: self.register(name, target, exist_ok=exist_ok)
        check_name(self.kind, name)
        obj = self._adapter(name, obj) if self._adapter else obj
        existing = self._objects.get(name)
        if existing is not None and existing is not obj and not _same_origin(existing, obj):
            if not exist_ok:
                raise HansentiError(
                    f"{self.kind} {name!r} is already registered; "
                    "pass exist_ok=True to replace it or choose another name"
                )
            log.debug("replacing %s %r", self.kind, name)
        self._objects[name] = obj
        return obj

    def get(self, name: str) -> T:
        """Return the object registered as ``name``, loading its entry point if needed."""
        if name not in self._objects:
            entry_point = self._discover().get(name)
            if entry_point is None:
                raise UnknownNameError(
                    f"unknown {self.kind} {name!r}; known: {', '.join(self.names()) or 'none'}"
                )
            try:
                loaded = entry_point.load()
            except Exception as error:  # a third party's import failure is the user's to fix
                raise HansentiError(
                    f"{self.kind} {name!r} from {entry_point.value} failed to load: {error}"
                ) from error
            self.register(name, loaded, exist_ok=True)
        return self._objects[name]

    def load_all(self) -> dict[str, T]:
        """Every object by name, entry points loaded; one that fails to load is reported
        once, in one line, and left out, so one broken package hides no other."""
        loaded = {}
        for name in self.names():
            try:
                loaded[name] = self.get(name)
            except HansentiError as error:
                _report_once(str(error))
        return loaded

    def entry_point(self, name: str) -> EntryPoint | None:
        """The entry point that offers ``name``, if one does."""
        return self._discover().get(name)

    def unregister(self, name: str) -> None:
        """Forget an object registered at run time (entry points stay discoverable)."""
        self._objects.pop(name, None)

    def names(self) -> list[str]:
        return sorted(set(self._objects) | set(self._discover()))

    def __contains__(self, name: str) -> bool:
        return name in self._objects or name in self._discover()

    def refresh(self) -> None:
        """Forget the cached entry-point listing (after installing a package at run time)."""
        self._entry_points = None

    def _discover(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            found: dict[str, EntryPoint] = {}
            if self.entry_point_group:
                for entry_point in entry_points(group=self.entry_point_group):
                    found.setdefault(entry_point.name, entry_point)
            self._entry_points = found
        return self._entry_points


#: what a registered name may be: it must work in ``-t NAME``, ``CORPUS:SPLIT+SPLIT``,
#: a folder name and an entry point
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_name(kind: str, name: str) -> None:
    """One naming rule for every registry."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise HansentiError(f"{kind} name {name!r} is not allowed: use letters, digits, '.', "
                            "'_' and '-' (at most 64, starting with a letter or digit)")


@functools.cache
def _report_once(message: str) -> None:
    log.warning("%s; it is left out: reinstall or uninstall its package", message)


def _same_origin(a: object, b: object) -> bool:
    """True when two objects are the same definition (a module imported twice)."""
    origin_a = (getattr(a, "__module__", None), getattr(a, "__qualname__", None))
    origin_b = (getattr(b, "__module__", None), getattr(b, "__qualname__", None))
    return origin_a == origin_b and None not in origin_a
