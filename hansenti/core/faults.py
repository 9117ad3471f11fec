"""Fail points: named places where a test can have the process killed outright.

``HANSENTI_FAULT=NAME`` (or ``NAME@K``, the K-th time it is reached) makes the process
SIGKILL itself when it reaches fail point NAME, as a power cut or the OOM killer would:
no ``finally``, no flush. The fault tests use it to prove that every command can be
killed anywhere and rerun to the same result. Unset, a fail point costs one lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

FAULT_ENV = "HANSENTI_FAULT"
_reached: Counter[str] = Counter()


def failpoint(name: str) -> None:
    """SIGKILL this process here if ``HANSENTI_FAULT`` names this point (and count)."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    target, _, count = spec.partition("@")
    if target != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
