"""``kringwerk demo`` gives the Industriële Kring Lochem business park Aalsvoort's
implementation plan half-way: research and conclusions done, each with a PDF report,
the plan of approach in progress, the funding applications not started. A second run
adds nothing; the test world's tenants get no plan."""

from __future__ import annotations

from sqlalchemy import func, select

from kringwerk.demo.services import load_demo
from kringwerk.documents.models import StoredFile
from kringwerk.documents.services import read_file
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.masterplan import parks
from plugins.masterplan.models import ParkPlan, StepDocument, StepState


def _plans(tenant) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count(ParkPlan.id)))


def test_demo_park_plan_half_way(app, world):
    load_demo()
    ikl = db.session.scalar(select(Tenant).where(Tenant.slug == "ikl"))
    enable_plugin(ikl, "masterplan")  # whether or not the demo enables it, the hook then runs
    db.session.commit()
    load_demo()
    load_demo()
    assert _plans(ikl) == 1
    with tenant_scope(ikl):
        plan = db.session.scalar(select(ParkPlan))
        assert parks.park_of(plan).name == "Aalsvoort"
        states = [step.state for step in plan.steps]
        assert states == [StepState.DONE, StepState.DONE, StepState.IN_PROGRESS, StepState.NOT_STARTED]
        owners = parks.owner_names(step.owner_id for step in plan.steps)
        assert owners[plan.steps[2].owner_id] == "Joost ter Horst"
        for step, count in zip(plan.steps, (1, 1, 0, 0), strict=True):
            documents = db.session.scalars(
                select(StepDocument).where(StepDocument.park_step_id == step.id)
            ).all()
            assert len(documents) == count
            for document in documents:
                stored = db.session.get(StoredFile, document.stored_file_id)
                assert stored.content_type == "application/pdf" and read_file(stored).startswith(b"%PDF")
        assert parks.next_due(plan) == plan.steps[2].due_on
    for side in (world.a, world.b):
        assert _plans(side.tenant) == 0
