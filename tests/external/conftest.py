"""Tests against implementations nobody here wrote. Their packages are installed into
tests/external/node_modules by scripts/external-deps.sh (Node.js 22 from the `node` npm package)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

EXTERNAL = Path(__file__).resolve().parent
NODE_MODULES = EXTERNAL / "node_modules"
NODE = NODE_MODULES / ".bin" / "node"
REPORTS = EXTERNAL.parent.parent / "reports"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/external" in str(item.fspath):
            item.add_marker(pytest.mark.external)


@pytest.fixture(scope="session")
def node() -> Path:
    if not NODE.exists():
        pytest.fail("Node.js 22 is not installed for the external tests: run `bash scripts/external-deps.sh`")
    return NODE


@pytest.fixture(scope="session")
def node_env(node: Path) -> dict[str, str]:
    """Environment for child Node processes: our Node 22 first on PATH, no proxies."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PATH"] = f"{node.parent}{os.pathsep}{env.get('PATH', '')}"
    env["NODE_PATH"] = str(NODE_MODULES)
    return env


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "Chromium is not installed: run `bash scripts/external-deps.sh` (it uses apt-get as root)"
        )
    return path


@pytest.fixture(scope="session")
def reports_dir() -> Path:
    REPORTS.mkdir(exist_ok=True)
    return REPORTS
