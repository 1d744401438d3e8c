"""Browser tests: a real Chromium (Playwright) against a live Kringwerk server."""
