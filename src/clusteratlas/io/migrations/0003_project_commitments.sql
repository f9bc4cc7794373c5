-- 0003: projects keep the firm they became and the per-mu tax they committed to, so that
-- commitments (investment intensity, tax per mu) can be checked once they are in production.

ALTER TABLE projects ADD COLUMN firm_id VARCHAR;
ALTER TABLE projects ADD COLUMN committed_tax_per_mu DOUBLE;
ALTER TABLE projects_history ADD COLUMN firm_id VARCHAR;
ALTER TABLE projects_history ADD COLUMN committed_tax_per_mu DOUBLE;
