"""Command-line commands of this package (collected by kringwerk.cli)."""

from __future__ import annotations

commands: list = []
