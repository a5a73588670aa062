"""Tests of the platform wiring: error pages, outages."""
