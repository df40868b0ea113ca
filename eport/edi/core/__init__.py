"""The customs-message engine: specs, compiled writers and readers, safe parsing, validation, the registry.

It imports no message family: families (:mod:`eport.edi.ceb`, :mod:`eport.edi.dec`, :mod:`eport.edi.manifest`,
:mod:`eport.edi.dxp`) declare themselves to :mod:`eport.edi.core.registry`, which loads them on first use.
See ``docs/architecture.md``.
"""
