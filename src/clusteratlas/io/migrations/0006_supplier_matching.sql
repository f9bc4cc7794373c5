-- 0006: supplier matching — leading firms' purchase needs, suppliers' profiles, and outcomes
-- of matches (a contract becomes a supply link).

CREATE TABLE purchase_needs (
    need_id VARCHAR NOT NULL,
    buyer_id VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    process VARCHAR,
    category VARCHAR,
    specification VARCHAR,
    annual_volume DOUBLE,
    volume_unit VARCHAR,
    annual_value DOUBLE,
    certifications VARCHAR,
    delivery_radius_km DOUBLE,
    year INTEGER,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (need_id)
);
CREATE TABLE purchase_needs_history (
    need_id VARCHAR,
    buyer_id VARCHAR,
    product VARCHAR,
    process VARCHAR,
    category VARCHAR,
    specification VARCHAR,
    annual_volume DOUBLE,
    volume_unit VARCHAR,
    annual_value DOUBLE,
    certifications VARCHAR,
    delivery_radius_km DOUBLE,
    year INTEGER,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE supplier_profiles (
    supplier_id VARCHAR NOT NULL,
    products VARCHAR NOT NULL,
    processes VARCHAR,
    categories VARCHAR,
    certifications VARCHAR,
    capacity_value DOUBLE,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (supplier_id)
);
CREATE TABLE supplier_profiles_history (
    supplier_id VARCHAR,
    products VARCHAR,
    processes VARCHAR,
    categories VARCHAR,
    certifications VARCHAR,
    capacity_value DOUBLE,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE match_outcomes (
    outcome_id VARCHAR NOT NULL,
    need_id VARCHAR NOT NULL,
    supplier_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    contract_value DOUBLE,
    date DATE,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (outcome_id)
);
CREATE TABLE match_outcomes_history (
    outcome_id VARCHAR,
    need_id VARCHAR,
    supplier_id VARCHAR,
    stage VARCHAR,
    contract_value DOUBLE,
    date DATE,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);
