"""The package's layers (docs/architecture.md): every import points down or sideways
within a layer, and no two modules import each other, even inside a function. Type-only
imports (under ``if TYPE_CHECKING:``) do not count."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "hansenti"

#: bottom to top: each layer is one folder of the package (interface: cli/, the
#: scikit-learn estimator and the package's own __init__/__main__)
LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"core"}),
    ("tokens", {"tokenizers"}),
    ("data", {"corpora"}),
    ("vectors", {"embeddings"}),
    ("models", {"models"}),
    ("runs", {"runs"}),
    ("inference", {"inference"}),
    ("training", {"training"}),
    ("study", {"compare"}),
    ("interface", {"cli", "sklearn", "__main__", ""}),
]
#: modules that may sit loose at hansenti/ besides __init__ and __main__
MAX_LOOSE = 4


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def type_only_nodes(tree: ast.AST) -> set[int]:
    return {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)}


def imported_modules(name: str, type_only_too: bool = False) -> set[str]:
    """The hansenti modules ``name`` imports at run time ("" is the package itself), and
    with ``type_only_too`` those imported for type hints only."""
    path = MODULES[name]
    parts = name.split(".") if name else []
    package = parts if path.name == "__init__.py" else parts[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if type_only_too else type_only_nodes(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            stems, names = [alias.name for alias in node.names], []
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            stems, names = [".".join(base + ([node.module] if node.module else []))], node.names
        elif isinstance(node, ast.ImportFrom):
            stems, names = [node.module or ""], node.names
        else:
            continue
        for stem in stems:
            if not node_is_relative(node):
                if stem != "hansenti" and not stem.startswith("hansenti."):
                    continue
                stem = stem.removeprefix("hansenti").lstrip(".")
            candidates = [f"{stem}.{alias.name}".lstrip(".") for alias in names] or [stem]
            for target in candidates:
                while target not in MODULES and target:
                    target = target.rpartition(".")[0]
                if target != name:
                    found.add(target)
    return found


def unresolved_imports(name: str) -> list[str]:
    """Relative imports in ``name`` naming a module that does not exist (a lazy import
    left behind by a move fails only when its function runs)."""
    path = MODULES[name]
    parts = name.split(".") if name else []
    package = parts if path.name == "__init__.py" else parts[:-1]
    missing = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            stem = ".".join(base + ([node.module] if node.module else []))
            if stem not in MODULES:
                missing.append(f"hansenti.{name}: from {'.' * node.level}{node.module or ''}")
    return missing


def node_is_relative(node: ast.AST) -> bool:
    return isinstance(node, ast.ImportFrom) and node.level > 0


GRAPH = {name: imported_modules(name) for name in MODULES}
#: every import, type-only ones too: a cycle through type hints is still a cycle
FULL_GRAPH = {name: imported_modules(name, type_only_too=True) for name in MODULES}


def layer_of(name: str) -> int | None:
    head = name.split(".")[0]
    return next((index for index, (_, members) in enumerate(LAYERS) if head in members), None)


def test_every_module_has_a_layer():
    homeless = [f"hansenti.{name}" for name in MODULES if layer_of(name) is None]
    assert not homeless, f"add {', '.join(homeless)} to LAYERS and docs/architecture.md"


def test_imports_point_down():
    upward = [f"hansenti.{name} ({LAYERS[layer_of(name)][0]}) imports hansenti.{target} "
              f"({LAYERS[layer_of(target)][0]})"
              for name, targets in GRAPH.items() for target in targets
              if layer_of(target) > layer_of(name)]
    assert not upward, "\n".join(upward)


def test_the_folders_are_the_layers():
    folders = {path.name for path in PACKAGE.iterdir()
               if path.is_dir() and (path / "__init__.py").is_file()}
    loose = [path.stem for path in PACKAGE.glob("*.py")
             if path.stem not in ("__init__", "__main__")]
    assert len(loose) <= MAX_LOOSE, loose
    named = {name for _, members in LAYERS for name in members}
    assert folders == named - {"", "__main__", *loose}


def test_no_import_cycles():
    cycles = []
    for start in FULL_GRAPH:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for target in FULL_GRAPH[node]:
                if target == start:
                    cycles.append(" -> ".join(path + (start,)))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, path + (target,)))
    assert not cycles, "\n".join(sorted(set(cycles)))


def test_relative_imports_resolve():
    missing = [line for name in MODULES for line in unresolved_imports(name)]
    assert not missing, "\n".join(missing)


def test_the_checker_sees_imports():
    assert "tokenizers.base" in GRAPH["tokenizers.cache"]
    assert "runs.folder" in GRAPH["inference.predictor"]
    assert "corpora.registry" in GRAPH["corpora.files"]


def test_importing_the_cli_loads_no_heavy_library():
    """``hansenti --help`` and ``hansenti tokenize`` start in well under a second: TensorFlow,
    pandas, gensim and the analysers load only in the commands that use them."""
    import subprocess
    import sys

    heavy = ("tensorflow", "keras", "pandas", "matplotlib", "sklearn", "gensim", "konlpy",
             "sentencepiece", "kiwipiepy", "mecab")
    code = ("import sys, hansenti.cli; print(' '.join(sorted({m.split('.')[0] for m in "
            f"sys.modules}} & set({heavy!r}))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert loaded == []
