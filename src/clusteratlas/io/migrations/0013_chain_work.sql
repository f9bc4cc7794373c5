-- 0013: the chain office's own records (链长制). Every change is a new row, never an update: a
-- task's state is its newest event and its history all of them; who holds a chain's roles is
-- the newest assignment of each. Chain templates an office adds are kept like rulesets.

CREATE SEQUENCE chain_template_ids START 1;
CREATE TABLE chain_templates (
    template_id INTEGER PRIMARY KEY DEFAULT nextval('chain_template_ids'),
    name VARCHAR NOT NULL,            -- the template's id
    name_zh VARCHAR,
    sha256 VARCHAR NOT NULL,
    source_text VARCHAR NOT NULL,     -- the YAML as given
    author VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE SEQUENCE chain_task_ids START 1;
CREATE SEQUENCE chain_task_event_ids START 1;
CREATE TABLE chain_task_events (
    event_id INTEGER PRIMARY KEY DEFAULT nextval('chain_task_event_ids'),
    task_id INTEGER NOT NULL,
    chain_id VARCHAR NOT NULL,
    region_id VARCHAR NOT NULL,
    link_id VARCHAR,                  -- the link it concerns, if one
    firm_id VARCHAR,                  -- the firm it concerns, if one
    title VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,           -- who is to solve it (a person or a department)
    due_date DATE,
    status VARCHAR NOT NULL,          -- open | in_progress | done | dropped
    note VARCHAR,
    actor VARCHAR NOT NULL,           -- who made this change
    changed_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE SEQUENCE chain_role_event_ids START 1;
CREATE TABLE chain_role_events (
    event_id INTEGER PRIMARY KEY DEFAULT nextval('chain_role_event_ids'),
    chain_id VARCHAR NOT NULL,
    region_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,            -- chief (链长, an official) | leader_firm (链主, a firm)
    holder VARCHAR NOT NULL,          -- the official's name, or the firm's id
    title VARCHAR,                    -- the official's post
    action VARCHAR NOT NULL,          -- assign | end
    actor VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT now()
);
