"""docker/ is not run here (no Docker engine), so it is checked statically."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker" / "compose.yml"
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_compose_builds_only_dockerfiles_that_exist():
    compose = yaml.safe_load(COMPOSE.read_text())
    builds = [s["build"] for s in compose["services"].values() if "build" in s]
    assert builds
    for build in builds:
        context = (COMPOSE.parent / build["context"]).resolve()
        assert context == ROOT
        assert (context / build["dockerfile"]).is_file()


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_copies_only_what_exists_and_uses_the_locked_python(dockerfile):
    steps = instructions(dockerfile)
    assert steps[0][0] == "FROM"
    base = steps[0][1]
    wanted = "3.10" if "rasa" in dockerfile.name else "3.11"
    assert base.startswith(f"python:{wanted}-")
    copies = [rest.split()[:-1] for keyword, rest in steps if keyword == "COPY"]
    assert copies
    for sources in copies:
        for source in sources:
            assert (ROOT / source).exists(), f"{dockerfile.name} copies missing {source}"
    assert any(k == "RUN" and "uv sync --frozen" in r for k, r in steps), "not from the lock"
    assert any(k == "USER" and r != "root" for k, r in steps), "runs as root"
