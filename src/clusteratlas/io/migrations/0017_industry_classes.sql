-- 0017: the traded/local classification as a recorded decision. A saved classification is one
-- row per industry with the locational Gini and the cut it was classed by; an analyst's
-- override is a row of its own with a reason (traded NULL withdraws the override). Rows are
-- appended, never updated: the current class is the newest override, else the newest saved.

CREATE SEQUENCE industry_class_ids START 1;
CREATE TABLE industry_classes (
    class_id INTEGER PRIMARY KEY DEFAULT nextval('industry_class_ids'),
    region_id VARCHAR NOT NULL,       -- the study region whose comparison regions classed it
    industry VARCHAR NOT NULL,
    traded BOOLEAN,
    method VARCHAR NOT NULL,          -- computed | override
    gini DOUBLE,
    threshold DOUBLE,
    threshold_rule VARCHAR,           -- natural break (Otsu) | given
    year INTEGER,
    regions INTEGER,                  -- how many regions the Gini was computed over
    reason VARCHAR,
    author VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
