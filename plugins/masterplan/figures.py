"""What a regional network sees of its members' masterplans: per association the board
dashboard's figures (wishes and challenges, per theme key too, projects per status, goals
on and off track), aggregates only, through the core's ``network_figures``, which calls
this inside its named crossing; an association that left the network is not asked."""

from __future__ import annotations

from kringwerk.plugin_api import hookimpl
from plugins.masterplan.dashboard import member_figures
from plugins.masterplan.network_goals import rollup_figures


@hookimpl
def network_figures(network, tenant_ids):
    figures = member_figures(list(tenant_ids))
    # The members' goals that count toward the network's own goals, as sums per goal.
    figures.extend(rollup_figures(network, tenant_ids))
    return figures
