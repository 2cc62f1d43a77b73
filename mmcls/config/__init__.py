"""Config system: ``Config``, ``ConfigDict``, ``DictAction`` (torch-free).

Implements the MMEngine config semantics that MMClassification 1.x configs rely
on: ``_base_`` inheritance, ``_delete_``, ``{{_base_.xxx}}`` references,
``custom_imports`` and ``--cfg-options`` overrides.
"""
from mmcls.utils.package import export_submodules

__all__ = export_submodules(__name__, __path__, globals())
