"""The returnee programme's pure parts: the reintegration score weights and formula."""
