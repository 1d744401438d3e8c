"""The shared template macros (templates/components): accessible fields and
error summary, empty state, pagination and the two steps of a destructive
action."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired

from kringwerk.web.pagination import Page
from tests.web.conftest import Page as Html


class CompanyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    sector = RadioField("Sector", choices=[SelectChoice("bouw", "Bouw"), SelectChoice("zorg", "Zorg")])
    newsletter = BooleanField("Newsletter")


FORM = """
{% from "components/forms.html" import field, error_summary, csrf %}
{{ error_summary(form) }}
<form method="post">{{ csrf(form) }}
{{ field(form.name, hint="As registered at the KvK.", autocomplete="organization") }}
{{ field(form.sector) }}
{{ field(form.newsletter, hint="At most monthly.") }}
</form>
"""


def render_form(app, data=None, form_error=None):
    with app.test_request_context(method="POST" if data is not None else "GET", data=data or {}):
        form = CompanyForm(meta={"csrf": False})
        if data is not None:
            form.validate()
        if form_error:
            form.form_errors.append(form_error)
        return render_template_string(FORM, form=form)


def test_fields_are_labelled_and_have_no_stray_attributes(app):
    html = render_form(app)
    assert '"None"' not in html and "=None" not in html
    parsed = Html(html)
    assert parsed.find("label", for_="name")
    name = parsed.find("input", id="name")[0]
    assert name["aria-describedby"] == "name-hint" and "aria-invalid" not in name
    assert name["autocomplete"] == "organization" and "required" in name
    assert parsed.find("p", id="name-hint", class_="hint")
    assert parsed.find("p", id="newsletter-hint"), "a checkbox shows its hint too"
    # A radio group is a fieldset whose legend names it; each option has its own label.
    assert parsed.find("fieldset", id="sector")
    assert "Sector" in html.split("<legend>")[1]
    assert parsed.find("label", for_="sector-0") and parsed.find("label", for_="sector-1")
    assert not parsed.find("div", class_="error-summary")


def test_errors_are_tied_to_their_field_and_summarised(app):
    html = render_form(app, data={"name": ""}, form_error="The form as a whole is wrong.")
    parsed = Html(html)
    name = parsed.find("input", id="name")[0]
    assert name["aria-invalid"] == "true"
    assert name["aria-describedby"] == "name-hint name-error"
    assert parsed.find("p", id="name-error", class_="field-error")
    summary = parsed.find("div", class_="error-summary", role="alert")
    assert summary and summary[0]["tabindex"] == "-1"
    assert parsed.find("a", href="#name")
    assert "The form as a whole is wrong." in parsed.text


def test_empty_state_pagination_and_destructive_action(app):
    template = """
    {% from "components/ui.html" import empty_state, pagination, danger_button, confirm_form %}
    {{ empty_state("No companies yet.", "/kring-a/members/", "Add one") }}
    {{ pagination(page, "members.directory", {"tenant": "kring-a", "q": "bouw"}) }}
    {{ danger_button("/kring-a/thing/1/delete", "Delete") }}
    {{ confirm_form("/kring-a/thing/1/delete", "Delete for good", "/kring-a/") }}
    """
    with app.test_request_context():
        html = render_template_string(template, page=Page(items=[], number=2, per_page=10, total=35))
    parsed = Html(html)
    assert "No companies yet." in parsed.text and parsed.find("a", href="/kring-a/members/")
    assert parsed.find("a", rel="prev", href="/kring-a/members/?page=1&q=bouw")
    assert parsed.find("a", rel="next", href="/kring-a/members/?page=3&q=bouw")
    assert "Page 2 of 4" in parsed.text
    assert parsed.find("form", method="get", action="/kring-a/thing/1/delete")
    confirm = parsed.find("form", method="post", class_="confirm-form")
    assert confirm and confirm[0]["action"] == "/kring-a/thing/1/delete"
    assert parsed.find("input", name="csrf_token") and parsed.find("a", href="/kring-a/")


def test_one_page_needs_no_pagination(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "components/ui.html" import pagination %}{{ pagination(page, "web.landing") }}',
            page=Page(items=[], number=1, per_page=10, total=3),
        )
    assert "pagination" not in html


class SentenceLabelsForm(FlaskForm):
    agree = BooleanField("I have read the letter and sign it.", validators=[DataRequired("Confirm it.")])
    share = BooleanField("Do you share the directory?", validators=[DataRequired("Say yes.")])
    town = StringField("Town:", validators=[DataRequired("Enter the town.")])
    name = StringField("Name", validators=[DataRequired(lazy_gettext("Enter the name."))])
    towns = FieldList(StringField("Town", validators=[DataRequired("Enter a town.")]), "Towns", min_entries=1)


def test_the_summary_joins_a_sentence_label_and_its_error_naturally(app):
    """A label that is a sentence (a checkbox to agree) or ends in a colon gets no second
    punctuation mark before its error; a question keeps its question mark."""
    with app.test_request_context(method="POST", data={}):
        form = SentenceLabelsForm(meta={"csrf": False})
        form.validate()
        html = render_template_string(
            '{% from "components/forms.html" import error_summary %}{{ error_summary(form) }}', form=form
        )
    summary = Html(html).text
    assert "I have read the letter and sign it: Confirm it." in summary
    assert "Do you share the directory? Say yes." in summary
    assert "Town: Enter the town." in summary
    assert "Name: Enter the name." in summary, "a lazily translated message is shown, not a pointer"
    assert "Towns: check this part of the form." in summary  # a list of fields points at it
    assert ".:" not in summary and "?:" not in summary and "::" not in summary
