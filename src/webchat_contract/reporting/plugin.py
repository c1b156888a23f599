"""pytest plugin of the reporting layer (placeholder until the reporting issue lands)."""
