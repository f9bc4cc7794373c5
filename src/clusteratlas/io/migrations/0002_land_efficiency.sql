-- 0002: what per-mu efficiency grading (亩均效益评价) needs.
-- Electricity and pollutant emissions of firms, and an audit table of manual grade overrides:
-- an override never replaces the computed grade, it sits beside it with who, why and when.

ALTER TABLE firm_years ADD COLUMN electricity_kwh DOUBLE;
ALTER TABLE firm_years ADD COLUMN emission_t DOUBLE;
ALTER TABLE firm_years_history ADD COLUMN electricity_kwh DOUBLE;
ALTER TABLE firm_years_history ADD COLUMN emission_t DOUBLE;

CREATE SEQUENCE grade_override_ids START 1;
CREATE TABLE grade_overrides (
    override_id INTEGER PRIMARY KEY DEFAULT nextval('grade_override_ids'),
    method VARCHAR NOT NULL,
    firm_id VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    month_to INTEGER NOT NULL,
    grade VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
