"""A fake Anthropic API that answers a set number of requests, then holds the rest: a client killed while it
waits is never answered, so nothing is paid for it. `paid` is the ledger the account would be billed."""

import threading
from collections import Counter

from tests.helpers.fake_anthropic import DROP, FakeAnthropic, body_key


class HoldingAnthropic(FakeAnthropic):
    """Answers the first `answered` requests, then holds every request while `holding` is set; `paid` counts
    the replies sent per request body."""

    def __init__(self, answered: int):
        super().__init__()
        self.answered, self.arrived = answered, 0
        self.holding = threading.Event()
        self.holding.set()
        self.paid: Counter = Counter()

    def reply(self, body: dict):
        with self._lock:
            self.arrived += 1
            held = self.arrived > self.answered and self.holding.is_set()
        if held:
            self.released.wait()  # set when the server stops, long after the client died
            return DROP
        outcome = super().reply(body)
        if outcome[0] == 200:
            with self._lock:
                self.paid[body_key(body)] += 1
        return outcome
