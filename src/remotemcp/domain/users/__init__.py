"""Accounts: creating users, checking passwords, and throttling login attempts."""
