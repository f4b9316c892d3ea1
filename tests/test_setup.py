"""env/setup.sh, the set-up behind `make run` and `make test`, on machines unlike this one.

Each case runs the real script with a PATH of our own making, so it sees a machine
that lacks a binary, or a user who is not root, without changing this machine.
"""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP = ROOT / "env" / "setup.sh"
# What the script itself needs from the machine.
TOOLS = ("bash", "ls", "cut", "seq", "sort", "getent", "dirname", "cat", "rm", "env", "uname")


def fake_machine(tmp_path: Path, *, uid: int, extra: dict[str, str] | None = None) -> Path:
    """A bin folder with the script's tools, an `id` that says ``uid``, and ``extra``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "id").chmod(0o755)
    for name, target in (extra or {}).items():
        (bin_dir / name).symlink_to(target)
    return bin_dir


def run_setup(bin_dir: Path, command: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    return subprocess.run(
        [str(bin_dir / "bash"), str(SETUP), command],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )


def test_a_missing_server_binary_stops_with_one_line_saying_what_to_install(tmp_path):
    bin_dir = fake_machine(tmp_path, uid=1000)  # not root: nothing may be installed
    result = run_setup(bin_dir, "binaries", tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "redis-server" in lines[0] and "apt-get install" in lines[0]


def test_a_missing_python_3_10_stops_with_one_line(tmp_path):
    result = run_setup(fake_machine(tmp_path, uid=1000), "python310", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "setup: Python 3.10 not found (Rasa 3.6 needs it): install it with pyenv "
        "(pyenv install 3.10.13) or your package manager"
    ]


def test_pythons_are_found_in_pyenv_without_its_shims(tmp_path):
    # The interpreters this machine really has (make test just used them), laid out
    # as a pyenv of our own.
    versions = tmp_path / "pyenv" / "versions"
    for command, name in (("python310", "3.10"), ("python311", "3.11")):
        real = subprocess.run(["bash", str(SETUP), command], capture_output=True, text=True,
                              check=True).stdout.strip()
        target = versions / f"{name}.99" / "bin"
        target.mkdir(parents=True)
        (target / f"python{name}").symlink_to(real)
    bin_dir = fake_machine(tmp_path, uid=1000)
    for command, minor in (("python310", (3, 10)), ("python311", (3, 11))):
        result = run_setup(bin_dir, command, tmp_path)
        assert result.returncode == 0, result.stderr
        found = result.stdout.strip()
        assert found.startswith(str(versions))
        out = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == str(minor)


def test_present_binaries_need_nothing(tmp_path):
    extra = {"redis-server": shutil.which("redis-server") or "/usr/bin/redis-server"}
    result = run_setup(fake_machine(tmp_path, uid=1000, extra=extra), "binaries", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_make_help_lists_the_two_commands():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, "MAKEFLAGS": ""}).stdout
    assert "make run" in out and "make test" in out
