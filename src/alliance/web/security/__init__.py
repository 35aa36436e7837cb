"""Staff sign-in hardening: two-factor authentication, recovery codes, lockout, headers."""
