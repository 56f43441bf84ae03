"""How long `import_families` takes for N families, and how many families per second it loads.

    .venv/bin/python bench/import_families.py                 # 5000 families, scratch SQLite
    .venv/bin/python bench/import_families.py 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tutti_bench .venv/bin/python bench/import_families.py

It writes a CSV of N generated households (one or two guardians, one to four pupils, a few
separated parents listed in two households, many homonyms so that identifiers get numbered) in a
temporary folder. Without DATABASE_URL it migrates a scratch SQLite file there too, and creates
an empty site. It then times the import, and a second import of the same file (everything found,
nothing written), both as wall time including Python's start-up.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from extranet.shell.import_columns import COLUMNS  # noqa: E402  (a plain script: the path first)

SITE = "bench-import"

HEADER = list(COLUMNS)
FIRST_NAMES_F = ["Camille", "Chloé", "Manon", "Léa", "Inès", "Louise", "Jade", "Alice", "Zoé", "Anna"]
FIRST_NAMES_M = ["Lucas", "Hugo", "Gabriel", "Louis", "Arthur", "Jules", "Raphaël", "Noé", "Théo", "Maël"]
LAST_NAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
              "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
              "Fournier", "Girard", "Da Silva", "N'Diaye", "Guérin", "François"]  # fmt: skip
CITIES = [("92240", "Malakoff"), ("92170", "Vanves"), ("92320", "Châtillon"), ("75014", "Paris")]
MEANS = ["direct_debit", "cheque", "Chèques vacances", "card", ""]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return plain.lower().replace(" ", "").replace("'", "")


def write_csv(path: Path, families: int, *, seed: int = 2026) -> int:
    """N households into ``path``; returns the number of rows."""
    rnd = random.Random(seed)
    rows = 0
    parents: list[list[str]] = []  # guardian rows some later households share (separated parents)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for number in range(1, families + 1):
            reference = f"ANC-{number:06d}"
            last_name = rnd.choice(LAST_NAMES)
            postal_code, city = rnd.choice(CITIES)
            address = f"{rnd.randint(1, 120)} rue de la République"
            means, instalments = rnd.choice(MEANS), rnd.choice(["1", "3", "8", ""])
            guardians = []
            for rank in range(1 if rnd.random() < 0.3 else 2):
                female = rank == 0
                first_name = rnd.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
                email = _ascii(f"{first_name}.{last_name}.{number}@example.org")
                guardians.append(
                    [reference, last_name.upper() if rank == 0 else "", "responsable",
                     "Mme" if female else "M.", last_name, first_name, "", "", email,
                     "", f"06 {rnd.randint(10, 99)} {rnd.randint(10, 99)} {rnd.randint(10, 99)} "
                     f"{rnd.randint(10, 99)}", "", address, postal_code, city, "", "",
                     "mère" if female else "père", "oui" if rank == 0 else "non", "",
                     means if rank == 0 else "", instalments if rank == 0 else ""]
                )  # fmt: skip
            if parents and rnd.random() < 0.02:
                # A separated parent: the same person (email and name) in a second household.
                shared = list(rnd.choice(parents))
                shared[0], shared[1], shared[18], shared[20], shared[21] = reference, "", "non", "", ""
                shared[12] = address
                guardians.append(shared)
            elif rnd.random() < 0.05:
                parents.append(guardians[-1])
            for row in guardians:
                writer.writerow(row)
                rows += 1
            for _child in range(rnd.choices([1, 2, 3, 4], weights=[40, 35, 18, 7])[0]):
                girl = rnd.random() < 0.5
                birth = f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(2008, 2021)}"
                writer.writerow(
                    [reference, "", "eleve", "Mlle" if girl else "M.", last_name,
                     f"{rnd.choice(FIRST_NAMES_F if girl else FIRST_NAMES_M)}-{_child + 1}", birth, city,
                     "", "", "", "", "", "", "", "", "", "", "", "", "", ""]
                )  # fmt: skip
                rows += 1
    return rows


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args[:3])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def timed(env: dict[str, str], *args: str) -> tuple[str, float]:
    started = time.perf_counter()
    output = manage(env, *args)
    return output.strip(), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "families", nargs="?", type=int, default=5000, help="families to import (default 5000)"
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tutti-bench-") as scratch:
        env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "extranet.settings"}
        env.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
        csv_path = Path(scratch) / "familles.csv"
        rows = write_csv(csv_path, options.families)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(
            env,
            "shell",
            "-c",
            "from extranet.base.models import Site; "
            f"Site.objects.get_or_create(slug='{SITE}', defaults={{'name': 'Banc d\\'essai import'}})",
        )
        first, first_wall = timed(env, "import_families", "--site", SITE, str(csv_path))
        again, again_wall = timed(env, "import_families", "--site", SITE, str(csv_path))

    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(first)
    print(again)
    print(
        f"import_families, {options.families} families ({rows} rows) on {engine}: "
        f"{first_wall:.1f} s, {options.families / max(first_wall, 0.001):.0f} families/s; "
        f"same file again: {again_wall:.1f} s, {options.families / max(again_wall, 0.001):.0f} families/s "
        "(wall times with Python's start-up)"
    )


if __name__ == "__main__":
    main()
