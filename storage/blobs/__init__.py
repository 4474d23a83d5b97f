"""Blob stores: content-addressed files in a local directory or an S3 bucket, and their garbage
collection."""
