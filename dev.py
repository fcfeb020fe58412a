#!/usr/bin/env python3
"""Run kehu from a fresh clone with nothing but Python and pip.

    python3 dev.py serve --demo      # install everything, then run kehu with demo data
    python3 dev.py test              # install everything, then run the whole test suite
    python3 dev.py i18n [--write]    # check the zh_CN catalogs against the sources (--write: sort them)
    python3 dev.py <kehu command>    # any other `kehu` command, e.g. `plugins list`

It installs uv (from PyPI) if missing, makes `.venv` from the lock file (`uv sync --locked`:
core and every plugin of the workspace, with the dev tools), and runs the command in it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def uv() -> list[str]:
    probe = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True)
    if probe.returncode != 0:
        print("Installing uv from PyPI … / 正在安装 uv …", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "uv"], check=True)
    return [sys.executable, "-m", "uv"]


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    # Use this interpreter; never try to download one (only package registries are reachable).
    env.setdefault("UV_PYTHON", sys.executable)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.setdefault("UV_PROJECT_ENVIRONMENT", str(ROOT / ".venv"))
    tool = uv()
    subprocess.run([*tool, "sync", "--locked", "--all-packages", "--quiet"], cwd=ROOT, env=env, check=True)
    if argv[:1] == ["test"]:
        command = ["pytest", *argv[1:]]
    elif argv[:1] == ["i18n"]:  # msgids missing from / unused in each catalog (kehu.i18n_tools)
        command = ["python", "-m", "kehu.i18n_tools", "--root", str(ROOT), *argv[1:]]
    else:
        command = ["kehu", *(argv or ["--help"])]
    return subprocess.run([*tool, "run", "--no-sync", *command], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
