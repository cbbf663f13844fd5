"""A candidate's own data: the summary, the ZIP export (Art. 15/20) and who opened their file."""
