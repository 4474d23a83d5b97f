"""Forms, their versions and drafts, their media, and the per-form tables their schemas become."""
