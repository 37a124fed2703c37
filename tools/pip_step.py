"""Run one pip command for `make`, without pip's wall of text.

    python tools/pip_step.py "what this step does" PIP-ARGS...

Prints "frontlines: <what this step does>...", then runs
``python -m pip PIP-ARGS``. In a terminal one line follows pip's progress
("Collecting textual ...", "Downloading ...", "Installing ...") and is
cleared when pip ends; elsewhere (CI, a log) nothing is shown while it
runs. Either way it ends with one line: what was installed and how long it
took. If pip fails, everything pip printed is shown, then its exit code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time


def _summary(lines: list[str], seconds: float) -> str:
    for line in reversed(lines):
        if line.startswith("Successfully installed "):
            count = len(line.split()) - 2
            return f"installed {count} package{'s' if count != 1 else ''} in {seconds:.0f} s"
    return f"nothing to install ({seconds:.0f} s)"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: " + __doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    what, pip_args = argv[0], argv[1:]
    print(f"frontlines: {what}...", flush=True)
    live = sys.stdout.isatty() and os.environ.get("TERM", "dumb") != "dumb"
    env = dict(os.environ, PYTHONUNBUFFERED="1", PIP_NO_COLOR="1")
    started = time.monotonic()
    lines: list[str] = []
    proc = subprocess.Popen(
        [sys.executable, "-m", "pip", *pip_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
        errors="replace",
    )
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            lines.append(line)
            if live and line.strip():
                width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
                shown = re.sub(r"[\x00-\x1f\x7f]", "", "  " + line.strip())
                sys.stdout.write("\r\x1b[K" + shown[:width])
                sys.stdout.flush()
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        if live:
            sys.stdout.write("\r\x1b[K")
        print("frontlines: interrupted; run the same make command again to finish", file=sys.stderr)
        return 130
    if live:
        sys.stdout.write("\r\x1b[K")
        sys.stdout.flush()
    seconds = time.monotonic() - started
    if code != 0:
        sys.stdout.flush()
        print("\n".join(lines), file=sys.stderr)
        print(f"frontlines: pip failed (exit {code}) while {what}; its output is above", file=sys.stderr)
        return code
    print(f"  {_summary(lines, seconds)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
