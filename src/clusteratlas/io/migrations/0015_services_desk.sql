-- 0015: the services desk (企业服务台: requests and complaints, 园区投诉举报中心). A request is
-- kept as filed; what happens to it — answers, closing, reopening — is appended, never updated.

CREATE SEQUENCE desk_request_ids START 1;
CREATE TABLE desk_requests (
    request_id INTEGER PRIMARY KEY DEFAULT nextval('desk_request_ids'),
    firm_id VARCHAR NOT NULL,
    park_id VARCHAR,
    region_id VARCHAR NOT NULL,
    category VARCHAR NOT NULL,        -- complaint | approval | land | utilities | labour | finance | policy | other
    department VARCHAR NOT NULL,      -- where the category is routed
    title VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    attachment_name VARCHAR,          -- the name of a file the firm refers to (not its content)
    filed_by VARCHAR NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    deadline TIMESTAMP NOT NULL       -- when a first answer is due
);

CREATE SEQUENCE desk_event_ids START 1;
CREATE TABLE desk_events (
    event_id INTEGER PRIMARY KEY DEFAULT nextval('desk_event_ids'),
    request_id INTEGER NOT NULL,
    action VARCHAR NOT NULL,          -- answer | close | reopen
    message VARCHAR,
    actor VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
