"""Waiting for a condition in another process (a Prefect server's state has no event to wait on)."""

import time


def wait_until(condition, timeout: float, what: str, interval: float = 0.2):
    """Poll `condition` until it returns something truthy and return that; AssertionError naming `what` after
    `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
