"""Files on disk that follow the database transaction: a file written for a row
is removed again when the transaction rolls back, and a file whose row is
deleted is removed only once the deletion commits (so a rollback keeps it)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from kringwerk.extensions import db

_AFTER_COMMIT = "kringwerk.documents.remove_after_commit"
_AFTER_ROLLBACK = "kringwerk.documents.remove_after_rollback"


def remove_after_commit(path: Path) -> None:
    """Delete ``path`` when the current transaction commits (not if it rolls back)."""
    _listen()
    db.session.info.setdefault(_AFTER_COMMIT, []).append(path)


def remove_after_rollback(path: Path) -> None:
    """Delete ``path`` if the current transaction rolls back (keep it if it commits)."""
    _listen()
    db.session.info.setdefault(_AFTER_ROLLBACK, []).append(path)


def _listen() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    session.info.pop(_AFTER_ROLLBACK, None)
    _unlink(session.info.pop(_AFTER_COMMIT, []))


def _after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    _unlink(session.info.pop(_AFTER_ROLLBACK, []))


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("could not delete %s", path)
