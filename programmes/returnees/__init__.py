"""The Mali returnee programme: reintegration scores, the duplicate review of registrations,
cases, the programme dashboard and extra export columns. Its layers follow the core's
(`server` and `web` -> `storage` -> `converters`); `plugin.py` is what the core loads."""
