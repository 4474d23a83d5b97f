"""`baobab backup` and `baobab restore`: a consistent copy of the database and its blobs, and where
it goes."""
