"""Runtime and tools apart: pyproject.toml declares, the two lock files pin, and a production install gets no tool."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(filename: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / filename).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{filename}: {line!r} is not pinned with =="
        assert _name(name) not in pins, f"{filename} pins {name} twice"
        pins[_name(name)] = version
    return pins


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(spec) for spec in project["dependencies"]]
    dev = [Requirement(spec) for spec in project["optional-dependencies"]["dev"]]
    return runtime, dev


def test_every_runtime_dependency_is_pinned_for_production_within_what_pyproject_allows():
    runtime, _ = _declared()
    pins = _pins("requirements.txt")
    for requirement in runtime:
        assert _name(requirement.name) in pins, f"{requirement.name} is declared but not pinned in requirements.txt"
        assert requirement.specifier.contains(pins[_name(requirement.name)]), (requirement, pins[requirement.name])


def test_a_production_install_pulls_in_no_test_or_tool_package():
    _, dev = _declared()
    runtime_pins = _pins("requirements.txt")
    for tool in [*dev, Requirement("pytest"), Requirement("playwright"), Requirement("schemathesis")]:
        assert _name(tool.name) not in runtime_pins, f"{tool.name} is a tool: it belongs in requirements-dev.txt"


def test_the_dev_lock_file_adds_the_tools_to_the_runtime_and_pins_each_package_once():
    _, dev = _declared()
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    runtime_pins, dev_pins = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert not set(runtime_pins) & set(dev_pins), "pinned in both files: keep each pin in one"
    for requirement in dev:
        assert _name(requirement.name) in dev_pins, (
            f"{requirement.name} is a dev extra not pinned in requirements-dev.txt"
        )
        assert requirement.specifier.contains(dev_pins[_name(requirement.name)]), requirement


def test_the_readme_installs_the_runtime_to_run_the_app_and_the_tools_to_test_it():
    readme = (ROOT / "README.md").read_text()
    run = next(line for line in readme.splitlines() if line.endswith("flask --app app demo"))
    test = next(line for line in readme.splitlines() if line.endswith("python -m pytest"))
    assert "-r requirements.txt" in run and "requirements-dev" not in run
    assert "-r requirements-dev.txt" in test
    assert test in (ROOT / ".ci" / "run").read_text(), ".ci/run must run the README's test command"
