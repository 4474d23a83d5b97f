"""ODK Entities: lists, entities and their versions, and what submissions do to them."""
