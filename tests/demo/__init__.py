"""Tests of the demo loader."""
