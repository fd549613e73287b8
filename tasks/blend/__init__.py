"""Blending: survivors mixed with real rows at the spec's ratios."""
