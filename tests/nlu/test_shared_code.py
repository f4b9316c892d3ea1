"""The lexicon and the risk rule are shared with the gateway: 3.10 syntax, no stack imports."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.shared

ROOT = Path(__file__).resolve().parents[2]
SHARED = [ROOT / "nlu" / "risk.py", *sorted((ROOT / "nlu" / "lexicon").glob("*.py"))]
MAY_IMPORT = {"yaml", "nlu"}


@pytest.mark.parametrize("path", SHARED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_module_parses_as_310_and_imports_no_stack(path):
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
            assert top in sys.stdlib_module_names or top in MAY_IMPORT, f"{path.name}: {name}"
            if top == "nlu":
                assert name.startswith(("nlu.lexicon", "nlu.risk")), f"{path.name}: {name}"
