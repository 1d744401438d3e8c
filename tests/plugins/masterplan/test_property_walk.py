"""The property walk (tests/properties) on the project and goal pages and their forms,
the in-place editors among them, on both databases: generated input with and without
htmx. No answer is a 5xx, a refused request changes nothing, and tenant B's rows never
change. The full walk covers every masterplan route on SQLite only; PostgreSQL refuses
what SQLite stores (a NUL byte, an oversized integer), so these forms run there too."""

from __future__ import annotations

import pytest

from tests.properties.test_every_form import find_targets, run_walk, walk  # noqa: F401 - the fixture

pytestmark = pytest.mark.both_databases

# The pages and forms of a project and a goal (endpoint prefixes).
EDITORS = ("masterplan.project", "masterplan.edit_project", "masterplan.new_project")
EDITORS += ("masterplan.goal", "masterplan.edit_goal", "masterplan.new_goal")


def test_generated_input_on_the_masterplan_forms(app, client, walk):  # noqa: F811
    world, ids, overrides = walk
    targets = find_targets(app, client, world, ids, overrides, endpoints=EDITORS)
    posted = {target.rule.endpoint: target.fields for _, target in targets if target.method == "POST"}
    # The walk found the editors' fields, so it really sends them generated input.
    assert {"title", "milestones", "version"} <= posted["masterplan.edit_project"]
    assert {"title", "unit", "deadline", "version"} <= posted["masterplan.edit_goal"]
    failures = run_walk(client, targets, world.b.tenant.id, examples=6)
    assert not failures, "bad answers to generated input:\n" + "\n".join(failures)
