"""Tests of the web shell: layout, errors, security, language, health, translations."""
