"""Token authentication: hashed storage, revocation, unknown keys, last use."""
from rest_framework.test import APIClient

from organisations.models import ApiToken, Membership, OrganisationKind


def test_valid_token_opens_api_root(make_org, token_client):
    client, token = token_client(make_org("syn-a"))
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert "organisations" in response.json()
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_key_is_stored_hashed_only(make_org, db):
    from organisations.services import issue_token

    token, key = issue_token("alice", make_org("syn-a"), "viewer")
    assert key.startswith("vf_")
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert all(key not in str(value) for value in ApiToken.objects.values_list().get(pk=token.pk))


def test_unknown_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token vf_not-a-real-token")
    response = client.get("/api/v1/")
    assert response.status_code == 401
    assert response.json() == {"errors": [{"path": "", "reason": "Unknown token."}]}
    assert response["WWW-Authenticate"] == "Token"


def test_revoked_token_is_401(make_org, token_client):
    client, token = token_client(make_org("syn-a"))
    assert client.get("/api/v1/").status_code == 200
    token.revoke()
    response = client.get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["reason"] == "This token has been revoked."


def test_new_token_revokes_previous_one_of_same_purpose(make_org, token_client):
    org = make_org("syn-a")
    first_client, first = token_client(org, username="bob")
    second_client, second = token_client(org, username="bob")
    assert first_client.get("/api/v1/").status_code == 401
    assert second_client.get("/api/v1/").status_code == 200


def test_token_stops_working_when_membership_removed(make_org, token_client):
    org = make_org("syn-a")
    client, token = token_client(org, username="carol")
    Membership.objects.filter(user=token.user, organisation=org).delete()
    assert client.get("/api/v1/").status_code == 401


def test_no_credentials_is_401(db):
    assert APIClient().get("/api/v1/").status_code == 401


def test_me_reports_token_organisation_and_role(make_org, token_client):
    org = make_org("oi-x", kind=OrganisationKind.OPERATOR)
    client, _ = token_client(org, role="operator_agent", username="dave")
    body = client.get("/api/v1/me/").json()
    assert body["username"] == "dave"
    assert body["organisations"] == [{"slug": "oi-x", "name": org.name, "kind": "operator", "role": "operator_agent"}]
