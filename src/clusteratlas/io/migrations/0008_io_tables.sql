-- 0008: input-output tables in the store (DESIGN: io_tables). A table is written once, with the
-- hash of the file it was read from; a newer table is a new table_id, never an update. Entries
-- are tidy: block Z (intermediate flows), Y (final use), V (value added), x (gross output), with
-- the row and column positions so that sector order survives the round trip. Values in CNY.

CREATE SEQUENCE io_table_ids START 1;
CREATE TABLE io_tables (
    table_id INTEGER PRIMARY KEY DEFAULT nextval('io_table_ids'),
    name VARCHAR NOT NULL,
    year INTEGER,
    region_id VARCHAR,            -- whose economy the table describes (a country, a province)
    layout VARCHAR NOT NULL,      -- nbs, wiod, …: how the source file was laid out
    source_name VARCHAR,
    sha256 VARCHAR,
    sectors INTEGER NOT NULL,
    note VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE TABLE io_table_entries (
    table_id INTEGER NOT NULL,
    block VARCHAR NOT NULL,       -- Z, Y, V or x
    row_pos INTEGER NOT NULL,
    row_label VARCHAR NOT NULL,
    col_pos INTEGER NOT NULL,
    col_label VARCHAR NOT NULL,
    value DOUBLE NOT NULL
);
