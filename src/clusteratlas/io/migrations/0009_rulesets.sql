-- 0009: incentive rulesets in the store (DESIGN: rulesets). A policy office writes its policy as
-- YAML and adds it; each addition is a new row with the text's SHA-256, never an update, so a
-- recorded run (incentive_runs.ruleset_sha256) can always be traced to the exact rules it used.

CREATE SEQUENCE ruleset_ids START 1;
CREATE TABLE rulesets (
    ruleset_id INTEGER PRIMARY KEY DEFAULT nextval('ruleset_ids'),
    name VARCHAR NOT NULL,        -- metadata.id of the YAML
    title_zh VARCHAR,
    sha256 VARCHAR NOT NULL,
    source_text VARCHAR NOT NULL,
    cases_text VARCHAR,           -- the YAML test cases it passed when added
    author VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
