"""subsidies models."""
