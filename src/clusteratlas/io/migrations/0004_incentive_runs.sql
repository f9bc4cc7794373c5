-- 0004: incentive runs and their award lines. Lines are written once, with the run; nothing in
-- ClusterAtlas updates or deletes them (a new run is a new run_id).

CREATE SEQUENCE incentive_run_ids START 1;
CREATE TABLE incentive_runs (
    run_id INTEGER PRIMARY KEY DEFAULT nextval('incentive_run_ids'),
    ruleset VARCHAR NOT NULL,
    ruleset_sha256 VARCHAR NOT NULL,
    inputs_sha256 VARCHAR NOT NULL,
    dataset_id INTEGER,            -- the newest dataset version the inputs were built from
    year INTEGER NOT NULL,
    parameters VARCHAR NOT NULL,   -- JSON of the parameter values used (what-if overrides included)
    label VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE TABLE award_lines (
    run_id INTEGER NOT NULL,
    entity_id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    clause VARCHAR,
    title_zh VARCHAR,
    kind VARCHAR,
    year INTEGER NOT NULL,
    payer VARCHAR NOT NULL,
    amount DOUBLE,
    status VARCHAR NOT NULL,
    reason VARCHAR
);
