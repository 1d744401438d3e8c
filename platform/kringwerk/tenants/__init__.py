"""Tenant administration: settings, tenants as code, network affiliations and the network scope."""
