"""Programmes built on the core ODK server, each loaded by name when BAOBAB_PROGRAMMES lists
it, through the hooks of server/plugins.py; the core imports none of them."""
