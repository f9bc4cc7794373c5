"""How many wrong passwords a name or an address may try: after ``MAX_FAILURES`` failures for
a user name, or ``MAX_ADDRESS_FAILURES`` from one address (an office behind one NAT address has
many users), within ``WINDOW_S`` seconds, further logins are refused until the window has
passed — argon2 makes each guess slow, this makes guessing a short list.
Kept in the server's memory: a restart forgets, which a guesser cannot trigger from outside.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from clusteratlas.io import accounts

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
WINDOW_S = 15 * 60


class LoginThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S,
                 clock=time.monotonic, max_address_failures: int = MAX_ADDRESS_FAILURES):
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self.max_address_failures = max_address_failures
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque:
        q, now = self._failures[key], self.clock()
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until a login of ``username`` from ``address`` may be tried (0: now)."""
        with self._lock:
            waits = [self.window_s - (self.clock() - q[0]) for key in self._keys(username, address)
                     if len(q := self._recent(key)) >= self._limit(key)]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, username: str, address: str | None) -> None:
        with self._lock:
            for key in self._keys(username, address):
                self._recent(key).append(self.clock())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username}", None)

    def _limit(self, key: str) -> int:
        return self.max_failures if key.startswith("user:") else self.max_address_failures

    @staticmethod
    def _keys(username: str, address: str | None) -> list[str]:
        return [f"user:{username}"] + ([f"addr:{address}"] if address else [])


class LoginRefused(Exception):
    """A login refused: ``status`` 401 (wrong name or password) or 429 (throttled)."""

    def __init__(self, status: int, message: str, retry_after: int = 0):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


def attempt_login(throttle: LoginThrottle, store, username: str, password: str,
                  address: str | None, where: str):
    """(token, expiry) for a right password while neither the name nor the address is
    throttled; LoginRefused otherwise. Every attempt is audited with the address."""
    wait = throttle.retry_after(username, address)
    if wait:
        accounts.audit(store, username, "?", "login refused", where, f"from {address}; throttled")
        raise LoginRefused(429, f"too many failed logins: try again in {wait} s", wait)
    got = accounts.login(store, username, password)
    if got is None:
        throttle.failed(username, address)
        accounts.audit(store, username, "?", "login failed", where, f"from {address}")
        raise LoginRefused(401, "wrong user name or password")
    throttle.succeeded(username)
    accounts.audit(store, username, "?", "login", where, f"from {address}")
    return got
