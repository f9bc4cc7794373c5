-- 0005: users of the service, their login tokens, and the audit log.
-- Passwords are argon2 hashes; tokens are stored as SHA-256 digests with an expiry.

CREATE SEQUENCE user_ids START 1;
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY DEFAULT nextval('user_ids'),
    username VARCHAR NOT NULL UNIQUE,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,          -- admin | analyst | park_manager | firm | public
    region_id VARCHAR,              -- analyst: the region whose firm data they may see
    park_id VARCHAR,                -- park manager: their park
    firm_id VARCHAR,                -- firm user: their firm
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE TABLE tokens (
    token_sha256 VARCHAR PRIMARY KEY,
    user_id INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE SEQUENCE audit_ids START 1;
CREATE TABLE audit_log (
    audit_id INTEGER PRIMARY KEY DEFAULT nextval('audit_ids'),
    logged_at TIMESTAMP NOT NULL DEFAULT now(),
    username VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    action VARCHAR NOT NULL,        -- read | write | login
    resource VARCHAR NOT NULL,
    detail VARCHAR
);
