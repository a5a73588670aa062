"""The sign-up form as assistive technology reads it: every field labelled, every description it
points at present on the page, help shown as text beside the field, the email field an email."""

from html.parser import HTMLParser

from django.test import Client


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.labels_for: set[str] = set()
        self.inputs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        if tag == "label" and "for" in found:
            self.labels_for.add(found["for"])
        if tag in {"input", "select", "textarea"} and found.get("type") not in {"hidden"}:
            self.inputs.append(found)


def _signup_form(client: Client) -> _Form:
    response = client.get("/signup/")
    assert response.status_code == 200
    form = _Form()
    form.feed(response.content.decode())
    return form


def test_every_field_is_labelled_and_its_description_exists(db):
    form = _signup_form(Client(HTTP_HOST="localhost"))
    names = {field["name"] for field in form.inputs}
    assert {"name", "subdomain", "admin_email"} <= names
    for field in form.inputs:
        assert field["id"] in form.labels_for, field
        for described_by in field.get("aria-describedby", "").split():
            assert described_by in form.ids, (field["name"], described_by)
        assert "placeholder" not in field, field
    subdomain = next(field for field in form.inputs if field["name"] == "subdomain")
    assert subdomain.get("aria-describedby"), "the address's help text is not tied to its field"


def test_the_help_text_stays_on_the_page_while_typing(db):
    response = Client(HTTP_HOST="localhost").get("/signup/")
    page = response.content.decode()
    form = _Form()
    form.feed(page)
    subdomain = next(field for field in form.inputs if field["name"] == "subdomain")
    help_id = subdomain["aria-describedby"]
    assert f'id="{help_id}">Your catalog&#x27;s host name will be' in page


def test_the_admin_email_field_is_an_email_input(db):
    form = _signup_form(Client(HTTP_HOST="localhost"))
    email = next(field for field in form.inputs if field["name"] == "admin_email")
    assert email["type"] == "email"
    assert email.get("autocomplete") == "email"
