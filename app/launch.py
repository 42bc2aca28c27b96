"""The `orchard` command: a command that only reads is answered through the running service
with the small client's imports; everything else loads the full command line."""

from __future__ import annotations

import sys


def main() -> int:
    """Run `orchard` with the process's arguments; return the exit code."""
    from app.client import answer

    try:
        code = answer(sys.argv[1:])
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `orchard task logs ID | head`
        sys.stderr.close()
        return 0
    if code is not None:
        return code
    from app.cli import main as full

    return full()
