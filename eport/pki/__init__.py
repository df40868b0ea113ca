"""Certificates, trust store (root CA install), chain validation, signing and verification (RSA and SM2).

``eport.pki`` never imports :mod:`eport.card` or :mod:`eport.services`."""
