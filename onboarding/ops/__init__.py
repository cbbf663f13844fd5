"""Operations: health and readiness checks and Prometheus metrics, for machines."""
