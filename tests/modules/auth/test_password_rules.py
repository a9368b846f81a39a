"""Password rules after NIST SP 800-63B: length only, long passphrases welcome, common passwords and
one's own name or address refused, no composition rules; applied wherever a password is set."""

import pytest

from elearn.errors import DomainError
from elearn.modules.auth.models import Role
from elearn.modules.auth.passwords import MAX_LENGTH, common_passwords
from elearn.modules.auth.services import check_password_rules, create_user
from tests.conftest import PASSWORD

COMMON = "This is one of the most common passwords"


def refusal(password: str, email: str = "", name: str = "") -> str:
    with pytest.raises(DomainError) as raised:
        check_password_rules(password, email, name)
    return str(raised.value.message)


def test_the_common_list_is_loaded_once_with_thousands_of_entries():
    assert common_passwords() is common_passwords()
    assert isinstance(common_passwords(), frozenset)
    assert len(common_passwords()) > 10_000
    assert "password123" in common_passwords()


@pytest.mark.parametrize("password", ["password123", "PassWord123", "1q2w3e4r5t", "qwertyuiop",
                                      "password 123", " Basketball "])
def test_common_password_is_refused_whatever_its_case_and_spaces(app, password):
    assert COMMON in refusal(password)


@pytest.mark.parametrize("password", [
    "the quiet harbour at dawn smells of tar",
    "æblegrød med kanel og en kop kaffe",
    "korte ord i lang række giver en god adgangskode " * 5,
    ("a passphrase as long as allowed " * 9)[:MAX_LENGTH],
])
def test_long_passphrase_with_spaces_is_accepted(app, password):
    assert len(password) <= MAX_LENGTH
    check_password_rules(password)


@pytest.mark.parametrize("password", ["onlylowercaseletters", "1234 9876 5555 0101 7", "ABCDEFGHIJKLMNOP",
                                      PASSWORD])
def test_no_composition_rule(app, password):
    check_password_rules(password)


def test_length_limits(app):
    assert "at least 10" in refusal("nine char")
    check_password_rules("ten chars!")
    assert "at most 256" in refusal("a" + "b" * MAX_LENGTH)
    check_password_rules("a" + "b" * (MAX_LENGTH - 1))


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "            ", "7777777777777"])
def test_one_character_repeated_is_refused(app, password):
    assert "One character repeated" in refusal(password)


@pytest.mark.parametrize("password", ["mette.sorensen@politi.example", "Mette.Sorensen",
                                      "Mette Sørensen Holm", "mettesørensenholm"])
def test_own_address_or_name_is_refused(app, password):
    message = refusal(password, "mette.sorensen@politi.example", "Mette Sørensen Holm")
    assert "your name or e-mail address" in message


def test_creating_an_account_applies_the_rules(app):
    with pytest.raises(DomainError, match="most common"):
        create_user("Anna", "anna@politi.example", [Role.LEARNER], password="password123")
    with pytest.raises(DomainError, match="name or e-mail"):
        create_user("Anna Kirkegaard", "anna@politi.example", [Role.LEARNER],
                    password="anna kirkegaard")


def test_password_change_refuses_a_common_password(client, auth, make_user):
    user = make_user()
    auth.login(user)
    page = client.get("/account/password").get_data(as_text=True)
    assert "long passphrases welcome" in page and "common passwords are refused" in page
    response = auth.post("/account/password", {"current_password": PASSWORD,
                                               "password": "iloveyou12", "confirm": "iloveyou12"})
    assert response.status_code == 400
    assert COMMON in response.get_data(as_text=True)


def test_admin_cannot_set_a_common_password(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(name="Bo Berg", email="bo@politi.example")
    auth.login(admin)
    assert "common passwords are refused" in client.get(f"/admin/users/{user.id}").get_data(
        as_text=True)
    response = auth.post(f"/admin/users/{user.id}", {
        "name": "Bo Berg", "email": "bo@politi.example", "unit_id": "", "roles": ["learner"],
        "locale": "", "password": "1234567890", "active": "y"})
    assert response.status_code == 400
    assert COMMON in response.get_data(as_text=True)


def test_command_line_refuses_a_common_password(runner, app):
    result = runner.invoke(args=["users", "create", "eva@politi.example", "--name", "Eva",
                                 "--role", "learner", "--password-stdin"], input="qwerty123456\n")
    assert result.exit_code == 1
    assert "most common passwords" in result.output


COMPOSED, DECOMPOSED = "Blåbærgrød på Ærø", "Bla\u030abærgrød pa\u030a Ærø"


def test_a_password_is_the_same_however_its_letters_are_composed(app):
    from elearn.modules.auth.passwords import hash_password, verify_password
    stored = hash_password(DECOMPOSED)
    assert verify_password(stored, COMPOSED) and verify_password(stored, DECOMPOSED)
    assert not verify_password(stored, "Blabærgrød pa Ærø")


def test_a_hash_made_before_normalising_still_verifies(app):
    from elearn.modules.auth.passwords import _hasher, verify_password
    old = _hasher().hash(DECOMPOSED)  # as stored before passwords were normalised
    assert verify_password(old, DECOMPOSED)
    assert not verify_password(old, "something else entirely")


def test_two_factor_on_is_one_test_in_pages_and_code(client, auth, make_user):
    from elearn.extensions import db
    from elearn.modules.auth.models import Role
    from elearn.modules.auth.twofactor import seal
    admin, user = make_user(Role.ADMIN), make_user()
    user.totp_secret, user.totp_enabled_at = seal("JBSWY3DPEHPK3PXP"), None  # no date, yet on
    db.session.commit()
    auth.login(admin)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Turn off two-factor" in page
