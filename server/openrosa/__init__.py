"""OpenRosa for ODK Collect and Enketo: form list, manifests, media, and the XML they share."""
