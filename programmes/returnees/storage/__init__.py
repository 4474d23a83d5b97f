"""The returnee programme's queries: scores, duplicate pairs and merges, cases, dashboard figures,
export columns. Its tables are in the core's schema and migrations (one linear history)."""
