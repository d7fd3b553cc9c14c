"""A chaos helper for the parallel engine: while blocks run, it hits the running block's
workers at random moments with SIGKILL (a crash), a long SIGSTOP (a hang, longer than the
engine's stall limit) or a short SIGSTOP/SIGCONT (a delay at a random point). Seeded, so that
a failing soak can be replayed with the same sequence of choices."""

import os
import random
import signal
import threading
import time
from collections import Counter

ACTIONS = (("kill", 0.25), ("hang", 0.15), ("delay", 0.6))


class Chaos:
    def __init__(self, executor, seed: int, mean_interval: float = 0.4, hang_seconds: float = 3.0):
        self.executor = executor
        self.random = random.Random(seed)
        self.mean_interval = mean_interval
        self.hang_seconds = hang_seconds
        self.done = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Chaos":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        names, weights = zip(*ACTIONS)
        while not self._stop.wait(self.random.expovariate(1 / self.mean_interval)):
            pids = list(self.executor.worker_pids)
            action = self.random.choices(names, weights)[0]
            pause = self.random.uniform(0.01, 0.3) if action == "delay" else self.hang_seconds
            if not pids:
                continue
            pid = self.random.choice(pids)
            try:
                if action == "kill":
                    os.kill(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGSTOP)
                    time.sleep(pause)
                    os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:  # the block ended meanwhile
                continue
            self.done[action] += 1
