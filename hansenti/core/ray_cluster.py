"""Ray, the optional distributed engine behind ``--executor ray``: whether it is installed,
joining a cluster (or starting one on this machine), and what every task must carry along."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Iterator

from .errors import HansentiError
from .user_code import load_user_code, loaded_code_files

log = logging.getLogger("hansenti")

EXECUTORS = ("local", "ray")
INSTALL_HINT = 'pip install "hansenti[ray]"'
#: environment variables a task takes over from the driver (besides every HANSENTI_*):
#: the caches, the mirror, the review limit and the Keras backend must be the same
CARRIED_ENVIRONMENT = ("KERAS_BACKEND",)


def require_ray(purpose: str = "--executor ray") -> ModuleType:
    """The ``ray`` module (with Ray Tune for ``--tune``), or a one-line error saying how to
    install it."""
    try:
        import ray
        if purpose == "--tune":
            import ray.tune  # noqa: F401
    except ImportError:
        raise HansentiError(f"{purpose} needs Ray: {INSTALL_HINT}") from None
    return ray


@contextmanager
def ray_session(address: str | None = None) -> Iterator[ModuleType]:
    """Ray, connected: to the session already running in this process, to the cluster at
    ``address`` (or ``$RAY_ADDRESS``), or else to a new one on this machine's cores. One
    this call starts is shut down after the block."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    keep_jvm_signal_handlers()
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)
    except (ConnectionError, ValueError, RuntimeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise HansentiError(f"cannot reach a Ray cluster at {address}: {first_line} (start "
                            "one with `ray start --head`, or leave out --address)") from None
    log.info("Ray: %s", cluster_summary(ray))
    try:
        yield ray
    finally:
        ray.shutdown()


def keep_jvm_signal_handlers() -> None:
    """Start Ray in this process without its crash handler (unless told otherwise): it
    would replace the SIGSEGV handler a JVM here (Okt) needs for its safepoints."""
    os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")


def cluster_summary(ray: ModuleType) -> str:
    resources = ray.cluster_resources()
    return (f"{len(ray.nodes())} node(s), {resources.get('CPU', 0):g} CPUs, "
            f"{resources.get('GPU', 0):g} GPUs")


def cluster_cpus(ray: ModuleType) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def cluster_gpus(ray: ModuleType) -> float:
    return float(ray.cluster_resources().get("GPU", 0))


def task_context() -> dict[str, Any]:
    """What the driver hands every task: its hansenti environment variables and the user
    code files it ran (their tokenizers must exist in the workers too)."""
    return {"environment": {name: value for name, value in os.environ.items()
                            if name.startswith("HANSENTI_") or name in CARRIED_ENVIRONMENT},
            "code_files": list(loaded_code_files())}


def enter_task(context: dict[str, Any], cpus: float) -> None:
    """Inside a task: take over the driver's environment and user code, and keep
    TensorFlow's thread pools to the task's CPUs (read when TensorFlow starts)."""
    os.environ.update(context["environment"])
    threads = str(max(1, int(cpus)))
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    for path in context["code_files"]:
        load_user_code(path)
