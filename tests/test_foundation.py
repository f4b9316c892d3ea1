"""The ground every issue stands on: layout, pinned environments, the two commands, CI."""

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Code the Rasa side (3.10) and the services (3.11) share: it may import only the
# standard library, PyYAML and itself, never either stack.
# The CLI (typer, rich) runs on the 3.11 side only.
CLI_MODULES = {"__main__.py", "cli.py"}
SHARED_MODULES = [
    *(p for p in sorted((ROOT / "helplines").glob("*.py")) if p.name not in CLI_MODULES),
    ROOT / "common" / "scrub.py",
    ROOT / "nlu" / "risk.py",
    *sorted((ROOT / "nlu" / "lexicon").glob("*.py")),
]
PROJECT_PACKAGES = {"bot", "common", "escalation", "helplines", "nlu", "stories"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SHARED_NAMES = {module_name(p) for p in SHARED_MODULES}


def test_layout_matches_the_design():
    for folder in ("bot", "nlu", "stories", "escalation", "helplines", "tests", "docker"):
        assert (ROOT / folder).is_dir(), folder
    for package in ("bot", "nlu", "escalation", "helplines", "common"):
        assert (ROOT / package / "__init__.py").is_file(), package
    assert (ROOT / "pyproject.toml").is_file() and (ROOT / "README.md").is_file()


def test_both_environments_are_pinned_to_their_python():
    assert (ROOT / ".python-version").read_text().strip() == "3.11"
    assert (ROOT / "env/rasa/.python-version").read_text().strip() == "3.10"
    main = tomllib.loads((ROOT / "pyproject.toml").read_text())
    rasa = tomllib.loads((ROOT / "env/rasa/pyproject.toml").read_text())
    assert main["project"]["requires-python"] == ">=3.11"
    assert rasa["project"]["requires-python"] == "==3.10.*"
    for dep in main["project"]["dependencies"] + main["dependency-groups"]["dev"]:
        assert "==" in dep, f"{dep} is not pinned"
    assert "rasa==3.6.21" in rasa["project"]["dependencies"]
    assert any(d.startswith("rasa-sdk==") for d in rasa["project"]["dependencies"])
    for lock in (ROOT / "uv.lock", ROOT / "env/rasa/uv.lock"):
        assert lock.is_file() and "[[package]]" in lock.read_text()


@pytest.mark.parametrize("path", SHARED_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_code_imports_neither_stack(path):
    # Parsed with 3.10's grammar: shared code must not use newer syntax.
    tree = ast.parse(path.read_text(), filename=str(path), feature_version=(3, 10))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PROJECT_PACKAGES:
                # Our own code, only if it is shared too (e.g. not nlu.components).
                assert any(name == s or name.startswith(s + ".") for s in SHARED_NAMES) or (
                    name in {n.rsplit(".", 1)[0] for n in SHARED_NAMES}
                ), f"{path.name} imports {name}, which is not shared code"
            else:
                assert top in sys.stdlib_module_names or top == "yaml", (
                    f"{path.name} imports {name}"
                )


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [
        line.strip()
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    commands = [line for line in lines if not line.startswith(("set ", "cd "))]
    assert commands == ["exec make test"]


def test_readme_has_exactly_the_two_set_up_commands():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, flags=re.S)
    setup = [b.strip() for b in blocks if b.strip() in {"make run", "make test"}]
    assert sorted(setup) == ["make run", "make test"]


def test_makefile_documents_its_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("help", "run", "test", "lint", "setup"):
        assert re.search(rf"^{target}:.*## ", makefile, flags=re.M), target
