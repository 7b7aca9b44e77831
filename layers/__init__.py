"""Map overlays, one module each, registered through :mod:`layers.base`."""

from layers.base import Layer, ReadContext, register, registered

__all__ = ["Layer", "ReadContext", "register", "registered"]
