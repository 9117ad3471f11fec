"""A finished run as an installable Python package (spaCy's ``spacy package`` convention):
a module holding the run folder, registered under the ``hansenti_models`` entry point, so
that its name works wherever a run folder does once the wheel is installed."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import zipfile
from pathlib import Path

from ..core.errors import HansentiError
from .folder import CHECKPOINT_DIR, PREDICTIONS_FILE, TEST_IDS_FILE, RunDir
from .installed import ENTRY_POINT_GROUP
from .model_card import CARD_FILE, write_model_card

#: what a run folder holds that prediction does not need (or that names a user's rows)
LEFT_OUT = {CHECKPOINT_DIR, PREDICTIONS_FILE, TEST_IDS_FILE}
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
VERSION_PATTERN = re.compile(r"^\d+(\.\d+)*$")


def module_name(name: str) -> str:
    """``ko-nsmc-mecab-cnn`` -> ``hansenti_model_ko_nsmc_mecab_cnn``."""
    return "hansenti_model_" + name.replace("-", "_")


def check_name(name: str, version: str) -> None:
    if not NAME_PATTERN.match(name):
        raise HansentiError(f"model name {name!r}: use lower-case letters, digits and "
                            "hyphens, e.g. ko-shop-mecab-nblr")
    if not VERSION_PATTERN.match(version):
        raise HansentiError(f"version {version!r}: use numbers and dots, e.g. 1.0.0")


def write_package_tree(run_dir: str | Path, name: str, version: str, dest: str | Path,
                       card_notes: str = "") -> Path:
    """``dest/<module>/`` with ``__init__.py`` and ``run/`` (the run's files for
    prediction and its model card); returns the module folder."""
    check_name(name, version)
    run = RunDir(run_dir)
    config = run.finished_config()
    module = Path(dest) / module_name(name)
    target = module / "run"
    if module.exists():
        shutil.rmtree(module)
    target.mkdir(parents=True)
    for item in sorted(run.path.iterdir()):
        if item.name in LEFT_OUT or item.suffix == ".png" or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)
    write_model_card(target, config, run.metrics(), name=f"{name} {version}")
    if card_notes:
        card = target / CARD_FILE
        card.write_text(card.read_text(encoding="utf-8") + "\n" + card_notes.strip() + "\n",
                        encoding="utf-8")
    (module / "__init__.py").write_text(
        f'"""hansenti model {name} {version}: the run folder in ``RUN``."""\n\n'
        "from pathlib import Path\n\n"
        f'NAME = "{name}"\nVERSION = "{version}"\n'
        'RUN = Path(__file__).resolve().parent / "run"\n', encoding="utf-8")
    return module


def build_wheel(run_dir: str | Path, name: str, version: str, out: str | Path,
                requires: tuple[str, ...] = ("hansenti",), card_notes: str = "") -> Path:
    """``out/hansenti_model_<name>-<version>-py3-none-any.whl``, pure Python, holding the
    run and its model card (also the package's long description)."""
    out = Path(out)
    staging = out / f".{module_name(name)}-build"
    shutil.rmtree(staging, ignore_errors=True)
    module = write_package_tree(run_dir, name, version, staging, card_notes)
    dist = module_name(name)
    info = f"{dist}-{version}.dist-info"
    card = (module / "run" / CARD_FILE).read_text(encoding="utf-8")
    files: dict[str, bytes] = {
        path.relative_to(staging).as_posix(): path.read_bytes()
        for path in sorted(module.rglob("*")) if path.is_file()}
    files[f"{info}/METADATA"] = (
        "Metadata-Version: 2.1\n"
        f"Name: {dist}\nVersion: {version}\n"
        f"Summary: hansenti sentiment model {name}\n"
        + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
        + "Description-Content-Type: text/markdown\n\n" + card).encode("utf-8")
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: hansenti package\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = (
        f"[{ENTRY_POINT_GROUP}]\n{name} = {dist}:RUN\n").encode("utf-8")
    files[f"{info}/top_level.txt"] = f"{dist}\n".encode("utf-8")
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join(record + [f"{info}/RECORD,,"]) + "\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"{dist}-{version}-py3-none-any.whl"
    temporary = wheel.with_name(f".{wheel.name}.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    temporary.replace(wheel)
    shutil.rmtree(staging)
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
