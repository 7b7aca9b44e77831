"""Map overlays, one module each, registered through :mod:`layers.base`.

Importing this package imports every built-in layer module, and each registers itself.
"""

import layers.anchors
import layers.bduk
import layers.pilots
import layers.reports
import layers.vouchers  # noqa: F401
from layers.base import Layer, ReadContext, register, registered

__all__ = ["Layer", "ReadContext", "register", "registered"]
