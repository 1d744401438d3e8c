"""Extra sign-up questions keep their key for good: answers are stored by key, so an edit
that adds, removes or reorders questions must leave every earlier answer under the
question it answered. A question keeps its key while its wording stays (compared without
case and surrounding spaces); a new or reworded question gets a fresh random key, never
one used before, so a removed question's answers cannot land under a new one."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping


def _same(label: str) -> str:
    return " ".join(label.split()).casefold()


def new_key(taken: set[str]) -> str:
    """A key unlike any in ``taken`` (a valid form field name: a letter, then hex)."""
    while True:
        key = f"q{secrets.token_hex(4)}"
        if key not in taken:
            return key


def keyed(questions: Iterable[Mapping], existing: Iterable[Mapping] = ()) -> list[dict]:
    """``questions`` (dicts with a ``label``, other fields kept) in their new order, each
    with the key of the existing question of the same wording, or a new key."""
    existing = list(existing or [])
    by_label: dict[str, str] = {}
    for question in existing:
        by_label.setdefault(_same(question["label"]), question["key"])
    taken = {question["key"] for question in existing}
    result: list[dict] = []
    used: set[str] = set()
    for question in questions:
        key = by_label.get(_same(question["label"]))
        if key is None or key in used:  # a repeated line is a question of its own
            key = new_key(taken | used)
        used.add(key)
        result.append({**question, "key": key})
    return result
