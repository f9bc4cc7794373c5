-- 0011: failed logins, kept in the store so that every worker of a service, every server of a
-- deployment and a restarted one count the same failures (the login throttle's window,
-- policy/throttle.py). Rows older than the window are deleted as new ones come.

CREATE TABLE login_failures (
    throttle_key VARCHAR NOT NULL,  -- user:NAME or addr:ADDRESS
    failed_at DOUBLE NOT NULL       -- seconds since 1970-01-01 UTC
);
CREATE INDEX login_failures_by_key ON login_failures (throttle_key, failed_at);
