"""The background half of a Stripe webhook: apply a recorded event.

The webhook only verifies, records and enqueues; this job reads the subscription back from
Stripe (a slow call) and updates the tenant's account. It runs as a platform job (the tenant is
found from the event's customer) and is safe to run twice: an applied event is left alone.
"""

from __future__ import annotations

import logging

from kringwerk.billing import services

log = logging.getLogger("kringwerk.billing")


def process_event(event_id: str) -> str:
    outcome = services.apply_event(event_id)
    log.info("stripe event %s: %s", event_id, outcome)
    return outcome
