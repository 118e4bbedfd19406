"""Domain events: what services announce, and the in-process bus that delivers them."""
