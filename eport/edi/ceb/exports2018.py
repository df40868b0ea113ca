"""CEB export messages (出口), 2018 edition (公告2018年第113号).

The classes are generated from the official schema by ``tools/gen_models.py`` (see
:mod:`eport.edi.ceb._generated.ceb2018_export`); this module is their public home.
"""

from eport.edi.ceb._generated.ceb2018_export import *  # noqa: F403
from eport.edi.ceb._generated.ceb2018_export import __all__ as __all__
