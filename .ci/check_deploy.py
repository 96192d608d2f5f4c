"""CI: the files deploys read agree with pyproject.toml. Prints each disagreement and exits 1 if there is one.

- requirements.txt pins every runtime dependency of pyproject.toml (and only with `==`), inside its range;
- .python-version names one Python version (`3.11`), inside `requires-python`, the one mypy and ruff target;
- the Procfile runs HTTP mode as `web` and Socket Mode as `worker`;
- the packages installed here are the pinned ones, so the tests ran against what deploys install.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = {"web": "python -m bot serve --http", "worker": "python -m bot serve --socket"}


def pins(text: str) -> tuple[dict[str, Version], list[str]]:
    found: dict[str, Version] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            problems.append(f"requirements.txt:{number}: {error}")
            continue
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            problems.append(f"requirements.txt:{number}: {line!r} is not pinned with ==")
            continue
        found[canonicalize_name(requirement.name)] = Version(specs[0].version)
    return found, problems


def check_requirements(project: dict[str, object], text: str) -> list[str]:
    found, problems = pins(text)
    dependencies = project["dependencies"]
    assert isinstance(dependencies, list)
    for dependency in dependencies:
        wanted = Requirement(dependency)
        pinned = found.get(canonicalize_name(wanted.name))
        if pinned is None:
            problems.append(f"requirements.txt lacks {wanted.name}, a runtime dependency in pyproject.toml")
        elif not wanted.specifier.contains(pinned, prereleases=True):
            problems.append(f"requirements.txt pins {wanted.name}=={pinned}, outside pyproject.toml's {wanted}")
    return problems


def check_python_version(pyproject: dict[str, object], text: str) -> list[str]:
    project = pyproject["project"]
    tools = pyproject["tool"]
    assert isinstance(project, dict) and isinstance(tools, dict)
    version = text.strip()
    if len(version.split(".")) != 2 or not all(part.isdigit() for part in version.split(".")):
        return [f".python-version is {version!r}; write a major.minor version such as 3.11"]
    problems = []
    if not SpecifierSet(project["requires-python"]).contains(f"{version}.0"):
        problems.append(f".python-version {version} is outside requires-python {project['requires-python']}")
    mypy = str(tools["mypy"]["python_version"])
    ruff = str(tools["ruff"]["target-version"])
    if mypy != version or ruff != "py" + version.replace(".", ""):
        problems.append(f".python-version {version}, but mypy checks for {mypy} and ruff for {ruff}")
    return problems


def check_procfile(text: str) -> list[str]:
    processes = dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))
    return [
        f"Procfile: {name} should run `{command}`"
        for name, command in PROCFILE.items()
        if processes.get(name, "").strip() != command
    ]


def check_installed(text: str) -> list[str]:
    problems = []
    for name, pinned in pins(text)[0].items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is pinned in requirements.txt but not installed here")
            continue
        if installed != pinned:
            problems.append(f"{name} {installed} is installed here, but deploys install {pinned} (requirements.txt)")
    return problems


def main() -> int:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    problems = [
        *check_requirements(pyproject["project"], (ROOT / "requirements.txt").read_text()),
        *check_python_version(pyproject, (ROOT / ".python-version").read_text()),
        *check_procfile((ROOT / "Procfile").read_text()),
        *check_installed((ROOT / "requirements.txt").read_text()),
    ]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Fix these, or regenerate requirements.txt with .ci/pin-requirements.", file=sys.stderr)
        return 1
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    pinned = (ROOT / ".python-version").read_text().strip()
    note = "" if running == pinned else f" (note: CI runs Python {running}, deploys {pinned})"
    print(f"deploy files agree with pyproject.toml{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
