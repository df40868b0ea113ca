"""CEB export messages (出口), 202205 edition (the default).

The classes are generated from the official schema by ``tools/gen_models.py`` (see
:mod:`eport.edi.ceb._generated.ceb202205_export`); this module is their public home.
"""

from eport.edi.ceb._generated.ceb202205_export import *  # noqa: F403
from eport.edi.ceb._generated.ceb202205_export import __all__ as __all__
