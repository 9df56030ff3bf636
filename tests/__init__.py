"""Tests of the SMS-Get integration."""
