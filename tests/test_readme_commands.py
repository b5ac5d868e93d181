"""Every command that the README and the how-to-run page give a reader exists and starts.

The commands are read from the pages themselves: fenced ``bash`` blocks and inline code that
starts with a command word. Each one is run in a harmless form (``--help`` or ``--version`` of the
tool, ``make -n`` of a target), so a tool that the instructions name but the environment lacks
(``.venv/bin/jupyter lab`` without JupyterLab) fails the test. A command of a form this test does
not know fails too, so that a new instruction gets a check.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "book" / "how_to_run.md"]
VENV_BIN = Path(sys.executable).parent  # `.venv/bin/` in the pages: the environment running the tests
COMMAND_WORDS = ("make", ".venv/", ".venv-colab/", "python", "git", "export", "apt-get", "GENMODELS_")


def commands(text: str) -> list[str]:
    found = []
    for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                found += [part.strip() for part in line.split("&&")]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    found += [span for span in re.findall(r"`([^`\n]+)`", prose) if span.startswith(COMMAND_WORDS)
              and " " in span and not span.startswith("GENMODELS_PROFILE=quick|")]
    return list(dict.fromkeys(found))


def probe(command: str) -> list[str] | None:
    """The harmless form of ``command`` to run, or None when there is nothing to run (``export``)."""
    words = shlex.split(command)
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):  # leading VAR=value
        words = words[1:]
    tool, args = words[0], words[1:]
    if tool in ("export", "cd"):  # shell built-ins: nothing to install
        return None
    if tool == "make":
        return ["make", "-n", "-C", str(ROOT), *args]
    if tool == "git":
        return ["git", "--version"]
    if tool == "apt-get" and args[:1] == ["install"]:
        return [args[-1], "--version"]
    if Path(tool).name.startswith("python") and args and args[0].endswith(".py"):
        script = ROOT / args[0]
        # `--help` must not run the script: only an argparse script is safe to probe this way.
        assert "argparse" in script.read_text(), f"{args[0]} has no --help: give it an argparse parser"
        return [sys.executable, str(script), "--help"]
    if tool.startswith(".venv/bin/"):
        subcommands = [a for a in args if re.fullmatch(r"[a-z][a-z-]*", a)][:1]
        return [str(VENV_BIN / tool.removeprefix(".venv/bin/")), *subcommands, "--help"]
    raise AssertionError(f"no check for the command `{command}`: teach tests/test_readme_commands.py")


CASES = [(page.relative_to(ROOT).as_posix(), c) for page in PAGES for c in commands(page.read_text())]


def test_the_pages_give_the_commands_we_expect():
    given = {c for _, c in CASES}
    for expected in ("make book", "make test", ".venv/bin/jupyter lab"):
        assert expected in given, f"`{expected}` is no longer found: check commands()"


@pytest.mark.parametrize(("page", "command"), CASES, ids=[f"{p}:{c}" for p, c in CASES])
def test_command_starts(page, command):
    argv = probe(command)
    if argv is None:
        return
    if not Path(argv[0]).is_absolute() and shutil.which(argv[0]) is None:
        pytest.fail(f"{page} tells readers to run `{command}`, but `{argv[0]}` is not installed")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert result.returncode == 0, f"{page}: `{command}` (checked as {argv}) failed:\n{result.stderr[-2000:]}"
