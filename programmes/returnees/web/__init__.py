"""The returnee programme's pages: cases, the duplicate review, the programme dashboard."""
