-- 0012: the outside firms a chain office would attract (招商目标企业库), imported like any table.

CREATE TABLE investment_candidates (
    candidate_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    industry_code VARCHAR,
    products VARCHAR,
    revenue DOUBLE,
    employment DOUBLE,
    location VARCHAR,
    location_id VARCHAR,
    relation VARCHAR,
    source VARCHAR,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (candidate_id)
);
CREATE TABLE investment_candidates_history (
    candidate_id VARCHAR,
    name VARCHAR,
    industry_code VARCHAR,
    products VARCHAR,
    revenue DOUBLE,
    employment DOUBLE,
    location VARCHAR,
    location_id VARCHAR,
    relation VARCHAR,
    source VARCHAR,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);
