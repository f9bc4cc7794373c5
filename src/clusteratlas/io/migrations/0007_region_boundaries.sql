-- 0007: region boundaries for choropleth maps — a GeoJSON (Multi)Polygon per region and where it
-- comes from (survey, DataV, a schematic drawing), shown under every map that uses it.

ALTER TABLE regions ADD COLUMN boundary VARCHAR;
ALTER TABLE regions ADD COLUMN boundary_source VARCHAR;
ALTER TABLE regions_history ADD COLUMN boundary VARCHAR;
ALTER TABLE regions_history ADD COLUMN boundary_source VARCHAR;
