-- 0001: the initial data model (see docs/data-model.md).
-- Every data table carries dataset_id, the import that wrote the row; rows replaced by a later
-- import move to <table>_history with the id of the dataset that superseded them.

CREATE TABLE datasets (
    dataset_id INTEGER PRIMARY KEY,
    source_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    row_counts VARCHAR NOT NULL,   -- JSON: {table: rows}
    raw_path VARCHAR NOT NULL,     -- kept copy of the source file, relative to the store
    note VARCHAR
);

CREATE TABLE regions (
    region_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_en VARCHAR,
    level VARCHAR,
    parent_id VARCHAR,
    min_lon DOUBLE,
    min_lat DOUBLE,
    max_lon DOUBLE,
    max_lat DOUBLE,
    area_km2 DOUBLE,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (region_id)
);
CREATE TABLE regions_history (
    region_id VARCHAR,
    name VARCHAR,
    name_en VARCHAR,
    level VARCHAR,
    parent_id VARCHAR,
    min_lon DOUBLE,
    min_lat DOUBLE,
    max_lon DOUBLE,
    max_lat DOUBLE,
    area_km2 DOUBLE,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE industries (
    classification VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    parent VARCHAR,
    name_zh VARCHAR NOT NULL,
    name_en VARCHAR,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (classification, code)
);
CREATE TABLE industries_history (
    classification VARCHAR,
    code VARCHAR,
    level VARCHAR,
    parent VARCHAR,
    name_zh VARCHAR,
    name_en VARCHAR,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE parks (
    park_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    region_id VARCHAR NOT NULL,
    kind VARCHAR,
    area_mu DOUBLE,
    planned_area_mu DOUBLE,
    opened_year INTEGER,
    boundary VARCHAR,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (park_id)
);
CREATE TABLE parks_history (
    park_id VARCHAR,
    name VARCHAR,
    region_id VARCHAR,
    kind VARCHAR,
    area_mu DOUBLE,
    planned_area_mu DOUBLE,
    opened_year INTEGER,
    boundary VARCHAR,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE firms (
    firm_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    industry_code VARCHAR NOT NULL,
    region_id VARCHAR NOT NULL,
    park_id VARCHAR,
    lon DOUBLE,
    lat DOUBLE,
    founded_year INTEGER,
    parent_firm_id VARCHAR,
    is_leading BOOLEAN,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (firm_id)
);
CREATE TABLE firms_history (
    firm_id VARCHAR,
    name VARCHAR,
    industry_code VARCHAR,
    region_id VARCHAR,
    park_id VARCHAR,
    lon DOUBLE,
    lat DOUBLE,
    founded_year INTEGER,
    parent_firm_id VARCHAR,
    is_leading BOOLEAN,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE firm_years (
    firm_id VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    month_to INTEGER NOT NULL,
    above_scale BOOLEAN,
    output DOUBLE,
    value_added DOUBLE,
    revenue DOUBLE,
    employment DOUBLE,
    tax_paid DOUBLE,
    exports DOUBLE,
    rd_spend DOUBLE,
    energy_tce DOUBLE,
    land_mu DOUBLE,
    fixed_asset_investment DOUBLE,
    local_purchases DOUBLE,
    total_purchases DOUBLE,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (firm_id, year, month_to)
);
CREATE TABLE firm_years_history (
    firm_id VARCHAR,
    year INTEGER,
    month_to INTEGER,
    above_scale BOOLEAN,
    output DOUBLE,
    value_added DOUBLE,
    revenue DOUBLE,
    employment DOUBLE,
    tax_paid DOUBLE,
    exports DOUBLE,
    rd_spend DOUBLE,
    energy_tce DOUBLE,
    land_mu DOUBLE,
    fixed_asset_investment DOUBLE,
    local_purchases DOUBLE,
    total_purchases DOUBLE,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE region_industry_years (
    region_id VARCHAR NOT NULL,
    industry_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    month_to INTEGER NOT NULL,
    employment DOUBLE,
    output DOUBLE,
    value_added DOUBLE,
    establishments DOUBLE,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (region_id, industry_code, year, month_to)
);
CREATE TABLE region_industry_years_history (
    region_id VARCHAR,
    industry_code VARCHAR,
    year INTEGER,
    month_to INTEGER,
    employment DOUBLE,
    output DOUBLE,
    value_added DOUBLE,
    establishments DOUBLE,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE supply_links (
    buyer_id VARCHAR NOT NULL,
    supplier_id VARCHAR,
    supplier_name VARCHAR,
    supplier_region_id VARCHAR,
    year INTEGER NOT NULL,
    amount DOUBLE NOT NULL,
    product VARCHAR,
    dataset_id INTEGER NOT NULL
);
CREATE TABLE supply_links_history (
    buyer_id VARCHAR,
    supplier_id VARCHAR,
    supplier_name VARCHAR,
    supplier_region_id VARCHAR,
    year INTEGER,
    amount DOUBLE,
    product VARCHAR,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE projects (
    project_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    industry_code VARCHAR,
    region_id VARCHAR,
    park_id VARCHAR,
    investor VARCHAR,
    source_region VARCHAR,
    contracted_investment DOUBLE,
    funds_in_place DOUBLE,
    land_mu DOUBLE,
    lead_date DATE,
    signed_date DATE,
    start_date DATE,
    production_date DATE,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (project_id)
);
CREATE TABLE projects_history (
    project_id VARCHAR,
    name VARCHAR,
    stage VARCHAR,
    industry_code VARCHAR,
    region_id VARCHAR,
    park_id VARCHAR,
    investor VARCHAR,
    source_region VARCHAR,
    contracted_investment DOUBLE,
    funds_in_place DOUBLE,
    land_mu DOUBLE,
    lead_date DATE,
    signed_date DATE,
    start_date DATE,
    production_date DATE,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);

CREATE TABLE targets (
    target_id VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    scope_id VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    month_to INTEGER,
    value DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    reference_id VARCHAR,
    source VARCHAR,
    dataset_id INTEGER NOT NULL,
    PRIMARY KEY (target_id)
);
CREATE TABLE targets_history (
    target_id VARCHAR,
    scope VARCHAR,
    scope_id VARCHAR,
    indicator VARCHAR,
    kind VARCHAR,
    year INTEGER,
    month_to INTEGER,
    value DOUBLE,
    unit VARCHAR,
    reference_id VARCHAR,
    source VARCHAR,
    dataset_id INTEGER,
    superseded_by INTEGER NOT NULL
);
