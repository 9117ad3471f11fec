"""A user's Python files run for their side effects (``register_tokenizer`` calls, say),
remembered so that worker processes run them too."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from .errors import HansentiError

_loaded: list[str] = []


def load_user_code(path: str | Path) -> None:
    """Run a user's Python file so that its ``register_tokenizer`` calls take effect."""
    path = Path(path).resolve()
    if not path.is_file():
        raise HansentiError(f"code file {path} does not exist")
    module_name = f"hansenti_user_code_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    if module_name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise HansentiError(f"{path.name} failed: {type(error).__name__}: {error}") from error
    _loaded.append(str(path))


def loaded_code_files() -> tuple[str, ...]:
    """The files :func:`load_user_code` ran in this process, in order."""
    return tuple(_loaded)
