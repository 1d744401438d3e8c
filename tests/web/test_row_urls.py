"""``row_url`` gives exactly the URLs ``url_for`` gives, for each tenant, and takes
only integer ids (issue 15: one URL build per table instead of one per row)."""

from __future__ import annotations

import pytest
from flask import url_for

from kringwerk.web.row_urls import row_url


def test_the_same_urls_as_url_for_in_each_tenant(app, world):
    for tenant in (world.a.tenant, world.b.tenant):
        with app.test_request_context(f"/{tenant.slug}/"):
            company_url = row_url("members.company", "company_id", tenant=tenant.slug)
            for id_ in (0, 1, 7, 1234, 2**40):
                assert company_url(id_) == url_for("members.company", tenant=tenant.slug, company_id=id_)
            assert company_url(5).startswith(f"/{tenant.slug}/")
            for wrong in ("5", "5/../x", 2.5, -1, None, True):
                with pytest.raises(TypeError):
                    company_url(wrong)
