"""Who may call: users, sessions, app users' access, public links, sign-in limits and reset
tokens."""
