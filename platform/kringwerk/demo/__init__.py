"""The demo: tenants from tenants/ plus plausible companies and people."""
