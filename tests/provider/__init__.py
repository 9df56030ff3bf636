"""Tests of the provider package, free of Home Assistant."""
