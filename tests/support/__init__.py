"""Machinery shared by the reliability and security suite; each area adds rows, not code."""
