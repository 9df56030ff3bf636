"""End-to-end tests: a real Home Assistant process against the SMS-Get simulator."""
