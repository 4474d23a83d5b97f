"""What analysts read: the CSV and OData queries, and the SQL views over each form and entity
list."""
