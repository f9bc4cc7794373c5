"""Reports: plotly figures shared with the web faces, a self-contained HTML page, an XLSX book."""
