"""The settings forms plugins add to the tenant's settings page
(``/<tenant>/admin/settings/plugins/<key>/``).

The tenant's settings page embeds each form (``plugin_settings_sections()`` in
templates); the form posts here, where it is validated and saved into the
plugin's ``tenant_plugins.settings``. A form with errors answers 422 on a page
of its own, keeping what was typed. A plugin that is not enabled answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kringwerk.accounts.permissions import has_role, require_member
from kringwerk.extensions import db
from kringwerk.pluginhost import services
from kringwerk.pluginhost.manifest import SettingsForm
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.safety import safe_next_url

bp = Blueprint("plugin_settings", __name__, url_prefix="/<tenant>/admin/settings/plugins")


@dataclass(frozen=True)
class SettingsSection:
    """One plugin's settings as the settings page shows them."""

    key: str
    title: str
    description: str
    url: str
    form: Any  # a filled-in form, or None when the plugin has a page of its own


def _form(spec: SettingsForm, tenant, *, submitted: bool):
    # The prefix keeps field ids apart from the tenant's own form on the same page.
    prefix = f"{spec.plugin}-"
    if submitted:
        return spec.form(prefix=prefix)
    return spec.form(prefix=prefix, formdata=None, data=services.plugin_settings(tenant, spec.plugin))


def _section(spec: SettingsForm, tenant) -> SettingsSection:
    if spec.form is None:
        return SettingsSection(
            spec.plugin, str(spec.title), str(spec.description), url_for(spec.endpoint), None
        )
    url = url_for("plugin_settings.edit", key=spec.plugin)
    return SettingsSection(
        spec.plugin, str(spec.title), str(spec.description), url, _form(spec, tenant, submitted=False)
    )


def plugin_settings_sections() -> list[SettingsSection]:
    """For templates: the settings forms of the current tenant's plugins the user may change."""
    tenant = current_tenant()
    if tenant is None:
        return []
    return [_section(spec, tenant) for spec in services.settings_forms(tenant) if has_role(*spec.roles)]


@bp.route("/<key>/", methods=["GET", "POST"])
@require_member()
def edit(key: str):
    tenant = current_tenant()
    spec = services.settings_form(tenant, key) or abort(404)
    if not has_role(*spec.roles):
        abort(403)
    if spec.form is None:
        return redirect(url_for(spec.endpoint))
    form = _form(spec, tenant, submitted=request.method == "POST")
    if form.validate_on_submit():
        changed = services.save_settings_form(tenant, key, form, actor=current_user._get_current_object())
        db.session.commit()
        flash(_("The settings are saved.") if changed else _("Nothing was changed."), "success")
        return redirect(safe_next_url(request.form.get("next"), fallback=url_for(".edit", key=key)))
    status = 422 if form.errors else 200
    section = SettingsSection(key, str(spec.title), str(spec.description), url_for(".edit", key=key), form)
    return render_template("pluginhost/settings_form.html", section=section), status


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(plugin_settings_sections)
