"""Pages of the advice's earlier versions: the list (who saved each, when, which was sent)
and one version read-only, compared with the advice as it stands. The board sees every
version, the municipality the one it was sent; others' and unknown ids answer 404."""

from __future__ import annotations

from flask import abort, render_template

from kringwerk.plugin_api import Role, paginate, require_member
from plugins.mkb_toets import versions
from plugins.mkb_toets.blueprint import bp
from plugins.mkb_toets.models import Phase
from plugins.mkb_toets.views import STAFF, _dossier_or_404, _role


def _readable(dossier_id: int):
    item = _dossier_or_404(dossier_id, *STAFF)
    if _role() == Role.MUNICIPALITY and item.phase.position < Phase.ADVICE_SENT.position:
        abort(404)  # the municipality reads the advice once it is sent
    return item


@bp.get("/<int:dossier_id>/advice/versions")
@require_member()
def advice_versions(dossier_id: int):
    item = _readable(dossier_id)
    page = paginate(versions.visible_versions(item, _role()))
    return render_template(
        "mkb_toets/versions.html", dossier=item, page=page, authors=versions.authors(list(page.items))
    )


@bp.get("/<int:dossier_id>/advice/versions/<int:advice_version_id>")
@require_member()
def advice_version(dossier_id: int, advice_version_id: int):
    item = _readable(dossier_id)
    version = versions.version_for(item, advice_version_id, _role())
    if version is None:
        abort(404)
    changes = versions.compare_with_now(item, version)
    return render_template(
        "mkb_toets/version.html",
        dossier=item,
        version=version,
        author=versions.authors([version]).get(version.created_by_id),
        points=versions.read_points(version),
        changes=changes,
        unchanged=all(change.status == "same" for change in changes),
    )
