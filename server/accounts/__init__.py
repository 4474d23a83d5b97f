"""Accounts: passwords, sign-in (password and OpenID Connect), tokens, app users, account
e-mails."""
