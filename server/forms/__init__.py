"""Forms: uploads compiled and validated, media, draft testing on a device, rebuilding tables."""
