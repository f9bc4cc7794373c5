"""Results kept by key, computed once even when many requests ask at the same time."""

from __future__ import annotations

import threading


class Memo:
    """``get(key, compute)``: ``compute()`` kept under ``key``; concurrent callers of one key
    wait for the first one's result. An exception is kept too (the same data give the same
    refusal). ``limit``: when more keys are kept, the memo starts afresh."""

    def __init__(self, limit: int = 256):
        self._values: dict = {}
        self._locks: dict = {}
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, key, compute):
        with self._lock:
            if key in self._values:
                return self._unwrap(self._values[key])
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._values:
                    return self._unwrap(self._values[key])
            try:
                value = (True, compute())
            except (ValueError, KeyError) as e:  # the data's answer, not a failure of ours
                value = (False, e)
            with self._lock:
                if len(self._values) >= self._limit:
                    self._values.clear()
                    self._locks.clear()
                self._values[key] = value
        return self._unwrap(value)

    @staticmethod
    def _unwrap(value):
        ok, v = value
        if ok:
            return v
        raise v
