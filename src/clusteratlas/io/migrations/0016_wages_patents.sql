-- 0016: what the portfolio needs to show wages and innovation where an office keeps them: the
-- wage bill on the firm figures (应付职工薪酬), and the patents granted to firms (专利授权), one row
-- per patent and holder, as the intellectual-property office lists them. Both are optional.

ALTER TABLE firm_years ADD COLUMN wage_bill DOUBLE;
ALTER TABLE firm_years_history ADD COLUMN wage_bill DOUBLE;

CREATE TABLE patents (
    patent_no VARCHAR NOT NULL,
    firm_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    granted_date DATE NOT NULL,
    title VARCHAR,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (patent_no, firm_id)
);
CREATE TABLE patents_history (
    patent_no VARCHAR,
    firm_id VARCHAR,
    kind VARCHAR,
    granted_date DATE,
    title VARCHAR,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);
