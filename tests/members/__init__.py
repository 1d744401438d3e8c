"""Tests of the members package: companies, contacts, parks, circles, themes, directory, CSV."""
