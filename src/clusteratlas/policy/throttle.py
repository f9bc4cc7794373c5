"""How many wrong passwords a name or an address may try: after ``MAX_FAILURES`` failures for
a user name, or ``MAX_ADDRESS_FAILURES`` from one address (an office behind one NAT address has
many users), within ``WINDOW_S`` seconds, further logins are refused until the window has
passed — argon2 makes each guess slow, this makes guessing a short list.
The failures are counted in the store (``io.accounts``), so the workers of a service, the
servers of a deployment and a restarted server all count the same ones: a guesser gains nothing
by spreading guesses over workers or by waiting for a restart.
"""

from __future__ import annotations

import time

from clusteratlas.io import accounts

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
WINDOW_S = 15 * 60


class LoginThrottle:
    """The policy (limits, window, clock: seconds since 1970, the same in every process); the
    counts are the store's."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S,
                 clock=time.time, max_address_failures: int = MAX_ADDRESS_FAILURES):
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self.max_address_failures = max_address_failures

    def retry_after(self, store, username: str, address: str | None) -> int:
        """Seconds until a login of ``username`` from ``address`` may be tried (0: now)."""
        now = self.clock()
        recent = accounts.login_failures(store, self._keys(username, address), now - self.window_s)
        waits = [self.window_s - (now - times[-self._limit(key)]) for key, times in recent.items()
                 if len(times) >= self._limit(key)]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, store, username: str, address: str | None) -> float:
        """Count a failure now; returns its time."""
        now = self.clock()
        accounts.record_login_failure(store, self._keys(username, address), now, now - self.window_s)
        return now

    def succeeded(self, store, username: str, address: str | None = None, counted_at: float | None = None) -> None:
        """The name's failures forgotten; the attempt counted at ``counted_at`` not held against
        the address (an office behind one address logs in many times a day)."""
        accounts.clear_login_failures(store, f"user:{username}")
        if address and counted_at is not None:
            accounts.clear_login_failures(store, f"addr:{address}", at=counted_at)

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
    # checked and counted as a failure in one step, before the password is: guesses sent at
    # once (to one worker or several) cannot all pass the check before any is counted
    with store.transaction(lock="logins"):
        wait = throttle.retry_after(store, username, address)
        counted_at = None if wait else throttle.failed(store, username, address)
    if wait:
        accounts.audit(store, username, "?", "login refused", where, f"from {address}; throttled")
        raise LoginRefused(429, f"too many failed logins: try again in {wait} s", wait)
    got = accounts.login(store, username, password)
    if got is None:
        accounts.audit(store, username, "?", "login failed", where, f"from {address}")
        raise LoginRefused(401, "wrong user name or password")
    throttle.succeeded(store, username, address, counted_at)
    accounts.audit(store, username, "?", "login", where, f"from {address}")
    return got
