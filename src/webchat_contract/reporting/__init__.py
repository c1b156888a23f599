"""Reporting: the verdict, compliance matrix, requirement table, machine-readable results and certificate."""
