"""Typed clients for the clearance, export tax refund (出口退税) and verification (核销) services, their
transports, and the local E-Port sandbox."""
