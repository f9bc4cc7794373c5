"""The dashboard: pages served by the API app (offline, no CDN)."""
