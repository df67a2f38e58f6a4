"""The Dockerfile is well formed and refers only to things that exist (no Docker engine
runs here, so the build itself is not exercised)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWN = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    found = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_every_instruction_is_a_dockerfile_instruction():
    assert {k for k, _ in instructions()} <= KNOWN
    assert instructions()[0][0] == "FROM"


def test_multi_stage_slim_non_root_with_healthcheck():
    steps = instructions()
    bases = [rest for k, rest in steps if k == "FROM"]
    assert len(bases) == 2
    assert all("slim" in base for base in bases)
    final = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM") :]
    user = [rest for k, rest in final if k == "USER"]
    assert user
    assert user[-1] not in ("root", "0")
    health = next(rest for k, rest in final if k == "HEALTHCHECK")
    assert "/healthz" in health
    port = next(rest for k, rest in final if k == "EXPOSE")
    assert port == "3000"


def test_copied_paths_exist_and_the_entry_point_is_the_console_script():
    for keyword, rest in instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _dest = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such path"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    entry = json.loads(next(rest for k, rest in instructions() if k == "ENTRYPOINT"))
    command = json.loads(next(rest for k, rest in instructions() if k == "CMD"))
    assert entry == ["threadline"]
    assert "threadline" in scripts
    assert command == ["serve"]
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    copied = {rest.split()[0] for k, rest in instructions() if k == "COPY"}
    for package in packages["packages"]["find"]["include"]:
        assert package.rstrip("*") in copied, f"package {package} is not copied into the image"
