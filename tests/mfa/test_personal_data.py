"""A person's second factors in their personal-data export (names and dates, never a secret) and erasure."""

from servicedesk.mfa.models import Passkey, RecoveryCode, TotpDevice
from servicedesk.people import personal_data
from servicedesk.people.registry import registered


def test_export_names_the_factors_without_secrets_and_erasure_removes_them(enrolled, desk):
    _client, secret, _codes = enrolled("customer1")
    customer = desk.users["customer1"]
    Passkey.objects.create(user=customer, name="Phone", credential_id=b"id", public_key=b"key")
    exported = personal_data.collect(customer)["other"]["second_factors"]
    assert [p["name"] for p in exported["passkeys"]] == ["Phone"]
    assert exported["unused_recovery_codes"] == 10 and exported["authenticator_app_added"]
    assert secret not in str(exported)
    part = next(p for p in registered() if p.label == "second_factors")
    part.erase(customer)
    assert not (TotpDevice.objects.exists() or Passkey.objects.exists() or RecoveryCode.objects.exists())
