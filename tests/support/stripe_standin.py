"""A local stand-in for the parts of Stripe's API Kringwerk calls, for the real stripe SDK.

It serves, with Stripe-shaped JSON and Stripe's error format:

* ``POST /v1/customers``
* ``POST /v1/checkout/sessions`` (subscription and payment mode)
* ``POST /v1/billing_portal/sessions``
* ``GET /v1/checkout/sessions/<id>``
* ``GET /v1/subscriptions/<id>``

It checks the secret key (Bearer), decodes Stripe's form encoding (``line_items[0][price_data]
[currency]=eur``) and honours idempotency keys as Stripe does: the same key gets the first
answer back. Every request is kept in ``requests`` for assertions.

Tests move the world on with helpers that change the stand-in's state and return the event
Stripe would send (``complete_checkout``, ``renew``, ``fail_payment``, ``updated``, ``cancel``; for one-off
payments ``pay_session`` and ``expire_session``);
``signed(event)`` gives the body and a ``Stripe-Signature`` header made with the SDK's own
``stripe.WebhookSignature.generate_signature_header``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_kringwerk_standin"
WEBHOOK_SECRET = "whsec_kringwerk_standin"
MONTH = 30 * 24 * 3600
YEAR = 365 * 24 * 3600


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's bracketed form encoding back into nested dicts and lists."""
    result: dict[str, Any] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", name)
        target: Any = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            if isinstance(target, list):
                position = int(part)
                while len(target) <= position:
                    target.append(None)
                if last:
                    target[position] = value
                else:
                    if target[position] is None:
                        target[position] = [] if following.isdigit() else {}
                    target = target[position]
            else:
                if last:
                    target[part] = value
                else:
                    target = target.setdefault(part, [] if following.isdigit() else {})
    return result


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None


@dataclass
class StripeStandIn:
    url: str = ""
    clock: int = field(default_factory=lambda: int(time.time()))
    customers: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _idempotent: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the HTTP side --------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            status, body = self._answer(request)
        response = Response(json.dumps(body), status=status, content_type="application/json")
        response.headers["Request-Id"] = f"req_{next(self._ids)}"
        return response(environ, start_response)

    def _answer(self, request: Request) -> tuple[int, dict]:
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return 401, _error("invalid_request_error", "Invalid API Key provided.")
        params = decode_form(request.get_data(as_text=True)) if request.method == "POST" else {}
        key = request.headers.get("Idempotency-Key")
        self.requests.append(Recorded(request.method, request.path, params, key))
        if request.method == "POST" and key and key in self._idempotent:
            return self._idempotent[key]
        answer = self._route(request.method, request.path, params)
        if request.method == "POST" and key:
            self._idempotent[key] = answer
        return answer

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/customers":
            return 200, self._create_customer(params)
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(params)
        if method == "POST" and path == "/v1/billing_portal/sessions":
            if params.get("customer") not in self.customers:
                return 400, _error("invalid_request_error", "No such customer", param="customer")
            return 200, {
                "id": self._id("bps"),
                "object": "billing_portal.session",
                "customer": params["customer"],
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.test/p/session/{self._id('test')}",
                "livemode": False,
                "created": self.clock,
            }
        found_session = re.fullmatch(r"/v1/checkout/sessions/([\w-]+)", path)
        if method == "GET" and found_session:
            session = self.sessions.get(found_session.group(1))
            if session is None:
                return 404, _error(
                    "invalid_request_error", "No such checkout session", code="resource_missing"
                )
            return 200, self._public_session(session)
        found = re.fullmatch(r"/v1/subscriptions/([\w-]+)", path)
        if method == "GET" and found:
            subscription = self.subscriptions.get(found.group(1))
            if subscription is None:
                return 404, _error(
                    "invalid_request_error",
                    f"No such subscription: '{found.group(1)}'",
                    code="resource_missing",
                )
            return 200, json.loads(json.dumps(subscription))
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    def _create_customer(self, params: dict) -> dict:
        customer = {
            "id": self._id("cus"),
            "object": "customer",
            "name": params.get("name"),
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
            "created": self.clock,
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _create_session(self, params: dict) -> dict:
        session_id = self._id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "line_items_requested": params.get("line_items", []),
            "subscription_data": params.get("subscription_data", {}),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "subscription": None,
            "payment_intent": None,
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "created": self.clock,
            "expires_at": int(params.get("expires_at") or self.clock + 24 * 3600),
            "customer_email": params.get("customer_email"),
            "payment_intent_data": params.get("payment_intent_data", {}),
            "livemode": False,
        }
        self.sessions[session_id] = session
        return session

    # --- moving the world on (what the customer and Stripe's billing do) ---------------------

    def tick(self, seconds: int = 1) -> int:
        self.clock += seconds
        return self.clock

    def event(self, event_type: str, obj: dict, *, created: int | None = None) -> dict:
        return {
            "id": self._id("evt"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": created if created is not None else self.tick(),
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": json.loads(json.dumps(obj))},
        }

    def complete_checkout(self, session_id: str) -> dict:
        """The customer paid: the subscription exists; returns ``checkout.session.completed``."""
        session = self.sessions[session_id]
        item = session["line_items_requested"][0]
        price_data = item.get("price_data") or {}
        interval = (price_data.get("recurring") or {}).get("interval", "month")
        start = self.tick()
        subscription_id = self._id("sub")
        self.subscriptions[subscription_id] = {
            "id": subscription_id,
            "object": "subscription",
            "customer": session["customer"],
            "status": "active",
            "cancel_at_period_end": False,
            "cancel_at": None,
            "canceled_at": None,
            "created": start,
            "metadata": (session.get("subscription_data") or {}).get("metadata", {}),
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": self._id("si"),
                        "object": "subscription_item",
                        "current_period_start": start,
                        "current_period_end": start + (MONTH if interval == "month" else YEAR),
                        "price": {
                            "id": item.get("price") or self._id("price"),
                            "object": "price",
                            "currency": price_data.get("currency", "eur"),
                            "unit_amount": int(price_data.get("unit_amount") or 0),
                            "recurring": {"interval": interval},
                        },
                        "quantity": 1,
                    }
                ],
            },
            "livemode": False,
        }
        session.update(status="complete", payment_status="paid", subscription=subscription_id)
        return self.event(
            "checkout.session.completed", {k: v for k, v in session.items() if k != "line_items_requested"}
        )

    @staticmethod
    def _public_session(session: dict) -> dict:
        return json.loads(json.dumps({k: v for k, v in session.items() if k != "line_items_requested"}))

    def pay_session(self, session_id: str) -> dict:
        """The person paid a payment-mode session: returns ``checkout.session.completed``."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=self._id("pi"))
        return self.event("checkout.session.completed", self._public_session(session))

    def expire_session(self, session_id: str) -> dict:
        """Nobody paid in time: returns ``checkout.session.expired``."""
        self.sessions[session_id].update(status="expired")
        return self.event("checkout.session.expired", self._public_session(self.sessions[session_id]))

    def _item(self, subscription_id: str) -> dict:
        return self.subscriptions[subscription_id]["items"]["data"][0]

    def _invoice(self, subscription_id: str, *, paid: bool) -> dict:
        subscription = self.subscriptions[subscription_id]
        item = self._item(subscription_id)
        return {
            "id": self._id("in"),
            "object": "invoice",
            "customer": subscription["customer"],
            "status": "paid" if paid else "open",
            "amount_due": item["price"]["unit_amount"],
            "amount_paid": item["price"]["unit_amount"] if paid else 0,
            "parent": {
                "type": "subscription_details",
                "subscription_details": {
                    "subscription": subscription_id,
                    "metadata": subscription["metadata"],
                },
            },
            "period_start": item["current_period_start"],
            "period_end": item["current_period_end"],
            "created": self.clock,
        }

    def renew(self, subscription_id: str) -> dict:
        """The next period is paid: returns ``invoice.paid``."""
        item = self._item(subscription_id)
        length = item["current_period_end"] - item["current_period_start"]
        item["current_period_start"] = item["current_period_end"]
        item["current_period_end"] += length
        self.subscriptions[subscription_id]["status"] = "active"
        return self.event("invoice.paid", self._invoice(subscription_id, paid=True))

    def fail_payment(self, subscription_id: str) -> dict:
        """The renewal could not be charged: past_due; returns ``invoice.payment_failed``."""
        self.subscriptions[subscription_id]["status"] = "past_due"
        return self.event("invoice.payment_failed", self._invoice(subscription_id, paid=False))

    def updated(self, subscription_id: str, **changes) -> dict:
        """Change the subscription as Stripe would; returns ``customer.subscription.updated``."""
        self.subscriptions[subscription_id].update(changes)
        return self.event("customer.subscription.updated", self.subscriptions[subscription_id])

    def cancel(self, subscription_id: str) -> dict:
        """The subscription ended: returns ``customer.subscription.deleted``."""
        subscription = self.subscriptions[subscription_id]
        subscription.update(status="canceled", canceled_at=self.tick(), cancel_at_period_end=False)
        return self.event("customer.subscription.deleted", subscription)


def _error(kind: str, message: str, **extra) -> dict:
    return {"error": {"type": kind, "message": message, **extra}}


def signed(event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The body and headers of Stripe's webhook call for ``event``."""
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


class StandInServer:
    """The stand-in on a free local port, in a thread."""

    def __init__(self) -> None:
        self.app = StripeStandIn()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.app.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> StripeStandIn:
        self._thread.start()
        return self.app

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
