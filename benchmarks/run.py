"""Run every benchmark in this folder, one after another, each printing ratios against a baseline
measured in the same run:

    python benchmarks/run.py            # all
    python benchmarks/run.py store      # only bench_store.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    wanted = sys.argv[1:]
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"## {name}", flush=True)
        failed |= subprocess.run([sys.executable, str(script)]).returncode
    return failed


if __name__ == "__main__":
    sys.exit(main())
