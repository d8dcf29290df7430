"""Progress of a fleet run: one line per stack, redrawn in place on a terminal, and plain lines
(one per change of a stack's state) otherwise."""

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Thread-safe: stacks running in parallel report to the same display."""

    def __init__(self, names: list[str], out: TextIO = sys.stdout) -> None:
        self._names = names
        self._lines = {name: "queued" for name in names}
        self._out = out
        self._tty = out.isatty()
        self._lock = threading.Lock()
        self._drawn = 0
        self._last_draw = 0.0
        self._width = max((len(n) for n in names), default=0)

    def update(self, name: str, line: str, force: bool = False) -> None:
        """Sets a stack's line: redrawn at most 10 times a second on a terminal (always when
        ``force``), printed once per distinct line otherwise."""
        with self._lock:
            if self._lines.get(name) == line:
                return
            self._lines[name] = line
            if not self._tty:
                print(f"{name:<{self._width}}  {line}", file=self._out, flush=True)
                return
            now = time.monotonic()
            if force or now - self._last_draw >= 0.1:
                self._draw()
                self._last_draw = now

    def finish(self) -> None:
        """The final state of every line (a terminal only: plain output is complete already)."""
        with self._lock:
            if self._tty:
                self._draw()

    def _draw(self) -> None:
        if self._drawn:
            self._out.write(f"\x1b[{self._drawn}F")
        for name in self._names:
            self._out.write(f"\x1b[2K{name:<{self._width}}  {self._lines[name]}\n")
        self._drawn = len(self._names)
        self._out.flush()
