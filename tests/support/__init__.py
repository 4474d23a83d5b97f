"""What the tests share besides fixtures: constants, builders and clients, one module per
subject. Fixtures and hooks stay in the conftest.py files, which import from here."""
