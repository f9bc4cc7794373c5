-- 0014: early warnings. Each run of a ruleset is recorded; an alert is one warning (a rule, the
-- thing it concerns, the period), found by one run and perhaps again by later ones; its state
-- (new → seen → handled, with a note) is the newest of its events, all of them kept.

CREATE SEQUENCE alert_run_ids START 1;
CREATE TABLE alert_runs (
    run_id INTEGER PRIMARY KEY DEFAULT nextval('alert_run_ids'),
    ruleset VARCHAR NOT NULL,
    ruleset_sha256 VARCHAR NOT NULL,
    region_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    data_version INTEGER NOT NULL,
    parameters VARCHAR NOT NULL,      -- JSON of the parameter values used
    alerts INTEGER NOT NULL,          -- warnings found
    new_alerts INTEGER NOT NULL,      -- of which not found before
    actor VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE SEQUENCE alert_ids START 1;
CREATE TABLE alerts (
    alert_id INTEGER PRIMARY KEY DEFAULT nextval('alert_ids'),
    alert_key VARCHAR NOT NULL UNIQUE,  -- rule:thing:period
    rule_id VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    title_zh VARCHAR NOT NULL,
    title_en VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,           -- region | park | firm: who may see it
    region_id VARCHAR NOT NULL,
    park_id VARCHAR,
    firm_id VARCHAR,
    message_zh VARCHAR NOT NULL,
    message_en VARCHAR NOT NULL,
    first_run_id INTEGER NOT NULL,
    last_run_id INTEGER NOT NULL
);

CREATE SEQUENCE alert_event_ids START 1;
CREATE TABLE alert_events (
    event_id INTEGER PRIMARY KEY DEFAULT nextval('alert_event_ids'),
    alert_id INTEGER NOT NULL,
    state VARCHAR NOT NULL,           -- new | seen | handled
    note VARCHAR,
    actor VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT now()
);
