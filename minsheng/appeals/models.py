"""appeals models."""
