"""Accounts: logging in, second factors, invitations and the admin's user list."""
