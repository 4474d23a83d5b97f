"""The returnee programme's server side: scoring and the duplicate check at intake, cases, the
REST routes and the CLI commands."""
