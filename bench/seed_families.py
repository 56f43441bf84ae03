"""How long `seed_demo --families N` takes, and how many families per second it loads.

    .venv/bin/python bench/seed_families.py                 # 2000 families, scratch SQLite
    .venv/bin/python bench/seed_families.py 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tutti_bench .venv/bin/python bench/seed_families.py

Without DATABASE_URL it migrates a scratch SQLite file in a temporary folder. It seeds the demo
first, then times the generated families alone (the figure the command prints), and the wall
time of that second run with Python's start-up and the demo's idempotent check.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("families", nargs="?", type=int, default=2000, help="families to add (default 2000)")
    parser.add_argument("--batch-size", type=int, default=500)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tutti-bench-") as scratch:
        env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "extranet.settings"}
        env.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "seed_demo", "-v", "0")
        started = time.perf_counter()
        families, batch = str(options.families), str(options.batch_size)
        output = manage(env, "seed_demo", "-v", "0", "--families", families, "--batch-size", batch)
        wall = time.perf_counter() - started

    match = re.search(r" en ([\d.]+) s ", output)
    elapsed = float(match.group(1)) if match else wall
    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(output.strip())
    print(
        f"seed_demo --families {options.families} on {engine}: {elapsed:.1f} s, "
        f"{options.families / max(elapsed, 0.001):.0f} families/s "
        f"({wall:.1f} s with Python's start-up and the demo check)"
    )


if __name__ == "__main__":
    main()
