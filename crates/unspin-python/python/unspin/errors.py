"""Exceptions: ``unspin_core::Error`` as Python sees it.

A model file that cannot be opened raises the usual ``OSError`` subclass
(``FileNotFoundError``, ``PermissionError``, ``IsADirectoryError``), as ``open`` would.
"""

from __future__ import annotations


class UnspinError(Exception):
    """Base class of every error that unspin raises itself."""


class ModelError(UnspinError, ValueError):
    """The model cannot be used: not an unspin model, a format version this build does not
    read, a checksum mismatch, a corrupt section, or no model at all (a wheel built without an
    embedded model, called without ``model=PATH``)."""


class ParamError(UnspinError, ValueError):
    """A decoder parameter name is unknown (``Model.params`` lists the valid ones)."""


__all__ = ["UnspinError", "ModelError", "ParamError"]
