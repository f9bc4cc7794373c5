"""Pure maths on arrays and DataFrames (no I/O, no store, no UI)."""
