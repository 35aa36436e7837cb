"""The signature integrators verify: HMAC-SHA256 over "t.body", with a replay window."""

from __future__ import annotations

import hashlib
import hmac

from alliance.web.webhooks.signing import compute_signature, signature_header, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"data":{"score":4.5},"id":"e1","type":"alert.opened"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, 1700000000, BODY) == expected
    assert signature_header(SECRET, BODY, timestamp=1700000000) == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_of_the_same_body():
    header = signature_header(SECRET, BODY, timestamp=1700000000)
    assert verify_signature(SECRET, header, BODY, now=1700000100)
    assert verify_signature(SECRET, header, BODY.decode(), now=1700000100)


def test_verify_refuses_a_changed_body_another_secret_or_an_old_timestamp():
    header = signature_header(SECRET, BODY, timestamp=1700000000)
    assert not verify_signature(SECRET, header, BODY + b" ", now=1700000000)
    assert not verify_signature("whsec_other", header, BODY, now=1700000000)
    assert not verify_signature(SECRET, header, BODY, now=1700000301)
    assert not verify_signature(SECRET, header, BODY, tolerance=10, now=1700000011)
    assert verify_signature(SECRET, header, BODY, tolerance=10, now=1700000010)


def test_verify_refuses_malformed_headers():
    good = compute_signature(SECRET, 1700000000, BODY)
    for header in (
        None,
        "",
        f"v1={good}",
        "t=1700000000",
        f"t=soon,v1={good}",
        f"t=1700000000;v1={good}",
        f"t=1700000000,v1={good[:-1]}",
    ):
        assert not verify_signature(SECRET, header, BODY, now=1700000000), header


def test_verify_accepts_any_of_several_v1_values():
    good = compute_signature(SECRET, 1700000000, BODY)
    header = f"t=1700000000,v1={'0' * 64},v1={good}"
    assert verify_signature(SECRET, header, BODY, now=1700000000)
