"""Progress reporting: a tqdm bar (samples/s, ETA) when the stream is a terminal, otherwise a
plain log line every ``interval`` seconds and one at the end, so logs of batch jobs stay
readable."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


def _hms(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Counts samples towards ``total`` (``initial`` already done when the run started)."""

    def __init__(self, total: int, initial: int = 0, desc: str = "generate", stream: Optional[TextIO] = None,
                 interval: float = 10.0, enabled: bool = True, tty: Optional[bool] = None):
        self.total, self.done, self.desc = int(total), int(initial), desc
        self.stream = stream if stream is not None else sys.stderr
        self.interval, self.enabled = float(interval), enabled
        self._start = self._last = time.monotonic()
        self._new = 0
        self._bar = None
        is_tty = tty if tty is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        if enabled and is_tty:
            from tqdm import tqdm
            self._bar = tqdm(total=self.total, initial=self.done, desc=desc, unit="sample",
                             file=self.stream, dynamic_ncols=True, smoothing=0.1)

    @property
    def rate(self) -> float:
        """Samples per second made by this run."""
        return self._new / max(time.monotonic() - self._start, 1e-9)

    def update(self, n: int) -> None:
        self.done += n
        self._new += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
        elif time.monotonic() - self._last >= self.interval:
            self._log()

    def _log(self) -> None:
        self._last = time.monotonic()
        rate = self.rate
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        pct = 100.0 * self.done / max(self.total, 1)
        eta_s = _hms(eta) if eta != float("inf") else "?"
        print(f"{self.desc}: {self.done}/{self.total} samples ({pct:.1f}%), {rate:.1f} samples/s, "
              f"ETA {eta_s}", file=self.stream, flush=True)

    def write(self, msg: str) -> None:
        """A message that does not break the bar."""
        if self._bar is not None:
            self._bar.write(msg, file=self.stream)
        elif self.enabled:
            print(msg, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled and self._new:
            self._log()
