"""Business rules: no request objects here, only the actor and plain values."""
