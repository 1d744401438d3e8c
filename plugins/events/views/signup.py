"""Signing up (members, people of the network's associations, guests), a guest's
confirmation by link, and cancelling (signed in, or by the link in the e-mail).

Every change is a POST; the pages a link opens only ask to confirm. With htmx
the sign-up block of the event page is swapped in place.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kringwerk.plugin_api import PaymentError, chosen_language, db, is_htmx, page_or_block, public, rate_limit
from plugins.events import paid
from plugins.events import signup as rules
from plugins.events.forms import GuestForm, SignupForm, answers_of, with_questions
from plugins.events.models import RegistrationStatus
from plugins.events.services import may_attend
from plugins.events.signup import SignupError, waiting_number
from plugins.events.views import bp, current_visitor, signed_in_visitor, visible_event
from plugins.events.views.calendar import own_registration

# Guests sign up without an account: a bound per client address keeps a script from
# filling the pending list (and sending confirmation mails) from one machine.
GUEST_SIGNUPS = 10
GUEST_PERIOD = 10 * 60


def _event_block(event, visitor, *, form=None, status=200, error=None, notice=None):
    registration = own_registration(event.id, visitor)
    form_class = SignupForm if visitor.user is not None else GuestForm
    return (
        page_or_block(
            "events/event.html",
            "signup",
            event=event,
            visitor=visitor,
            registration=registration,
            position=waiting_number(registration) if registration else None,
            form=form or with_questions(form_class, event.questions)(formdata=None),
            may_attend=may_attend(event, visitor),
            error=error,
            notice=notice,
        ),
        status,
    )


@bp.post("/<int:event_id>/signup")
@public
def sign_up(event_id: int):
    visitor = current_visitor()
    event = visible_event(event_id, visitor)
    if visitor.user is None:
        return guest_sign_up(event, visitor)
    form = with_questions(SignupForm, event.questions)()
    if not form.validate_on_submit():
        return _event_block(event, visitor, form=form, status=422)
    payment = url = None
    try:
        if paid.price_applies(event):
            payment, url = paid.begin(
                event, email=visitor.user.email, locale=chosen_language(), urls=_return_urls(event)
            )
        registration = rules.sign_up(
            event,
            visitor,
            answers=answers_of(form, event.questions),
            locale=chosen_language(),
            payment=payment,
        )
    except SignupError as error:
        db.session.rollback()
        status = 409 if error.code in ("duplicate", "full") else 422
        return _event_block(event, visitor, status=status, error=str(error))
    except PaymentError as error:
        db.session.rollback()
        return _event_block(event, visitor, status=503, error=str(error))
    db.session.commit()
    if url is not None:
        return _to_checkout(url)
    if registration.status == RegistrationStatus.CONFIRMED:
        notice = _("You are signed up. The confirmation is on its way by e-mail.")
    else:
        notice = _("The event is full: you are on the waiting list.")
    return _event_block(event, visitor, notice=notice)


def _return_urls(event) -> dict:
    page = url_for("events.event", event_id=event.id, _external=True)
    return {"success_url": page + "?paid=1", "cancel_url": page}


def _to_checkout(url: str):
    """To Stripe's page: a full navigation, also from an htmx form."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


@bp.post("/<int:event_id>/pay")
@public  # the audience rule and the own registration decide (signed_in_visitor)
def pay(event_id: int):
    """Back to Stripe's page for a seat held while paying (the same session while it lasts)."""
    visitor = signed_in_visitor()
    event = visible_event(event_id, visitor)
    registration = own_registration(event.id, visitor)
    if registration is None or not registration.awaiting_payment or not paid.price_applies(event):
        abort(404)
    try:
        url = paid.resume(registration, urls=_return_urls(event))
    except PaymentError as error:
        return _event_block(event, visitor, status=503, error=str(error))
    return _to_checkout(url)


def guest_sign_up(event, visitor):
    rate_limit("events.guest_signup", GUEST_SIGNUPS, GUEST_PERIOD)
    form = with_questions(GuestForm, event.questions)()
    if not form.validate_on_submit():
        return _event_block(event, visitor, form=form, status=422)
    try:
        rules.sign_up_guest(
            event,
            name=form.name.data,
            email=form.email.data,
            company=(form.company.data or "").strip() or None,
            answers=answers_of(form, event.questions),
            locale=chosen_language(),
        )
    except SignupError as error:
        db.session.rollback()
        return _event_block(event, visitor, form=form, status=422, error=str(error))
    db.session.commit()
    notice = _("Almost done: confirm your sign-up with the link we sent you by e-mail.")
    return _event_block(event, visitor, notice=notice)


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@public  # as pay
def cancel_signup(event_id: int):
    """GET asks (a mail scanner may open the link), POST cancels. One rule for both, so an
    id beyond the database's range is a 404 for either method."""
    visitor = signed_in_visitor()
    event = visible_event(event_id, visitor)
    registration = own_registration(event.id, visitor) or abort(404)
    if request.method == "GET":
        return render_template(
            "events/cancel.html",
            event=event,
            registration=registration,
            action=url_for("events.cancel_signup", event_id=event.id),
        )
    rules.cancel(registration, actor=visitor.user)
    db.session.commit()
    flash(_("Your sign-up has been cancelled."), "success")
    return redirect(url_for("events.event", event_id=event.id), 303)


@bp.get("/confirm/<token>")
@public
def guest_confirm(token: str):
    registration = rules.guest_registration(token)
    if registration is None:
        return render_template("events/link_dead.html"), 404
    return render_template("events/guest_confirm.html", registration=registration, event=registration.event)


@bp.post("/confirm/<token>")
@public
def guest_confirm_post(token: str):
    pending = rules.guest_registration(token)
    payment = url = None
    try:
        if (
            pending is not None
            and pending.status == RegistrationStatus.PENDING
            and paid.price_applies(pending.event)
        ):
            payment, url = paid.begin(
                pending.event, email=pending.email, locale=pending.locale, urls=_return_urls(pending.event)
            )
        registration = rules.confirm_guest(token, payment=payment)
    except SignupError as error:
        db.session.rollback()
        return render_template("events/link_dead.html", message=str(error)), 409
    except PaymentError as error:
        db.session.rollback()
        return render_template("events/link_dead.html", message=str(error)), 503
    if registration is None:
        return render_template("events/link_dead.html"), 404
    db.session.commit()
    if url is not None:
        return redirect(url, 303)
    return render_template(
        "events/guest_done.html",
        registration=registration,
        event=registration.event,
        position=waiting_number(registration),
    )


@bp.get("/leave/<token>")
@public
def cancel_by_link(token: str):
    registration = rules.registration_by_cancel_link(token)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return render_template("events/link_dead.html"), 404
    return render_template(
        "events/cancel.html",
        event=registration.event,
        registration=registration,
        action=url_for("events.cancel_by_link_post", token=token),
    )


@bp.post("/leave/<token>")
@public
def cancel_by_link_post(token: str):
    registration = rules.registration_by_cancel_link(token)
    if registration is None:
        return render_template("events/link_dead.html"), 404
    rules.cancel(registration)
    db.session.commit()
    return render_template("events/cancelled.html", event=registration.event)


@bp.get("/seat/<token>")
@public
def offer_page(token: str):
    """The link in the promotion mail: one button confirms (POST)."""
    registration = rules.registration_by_offer_link(token)
    if registration is None:
        return render_template("events/link_dead.html"), 404
    return render_template("events/offer.html", registration=registration, event=registration.event)


@bp.post("/seat/<token>")
@public
def confirm_offer(token: str):
    registration = rules.confirm_offer(token)
    if registration is None:
        return render_template("events/link_dead.html"), 404
    db.session.commit()
    return render_template(
        "events/guest_done.html", registration=registration, event=registration.event, position=None
    )
