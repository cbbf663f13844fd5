"""Erasure on request (Art. 17), legal holds and the retention purge."""
