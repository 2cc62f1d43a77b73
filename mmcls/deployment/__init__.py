"""Deployment helpers: ONNX export, serving, checkpoint and weight converters.

Unlike the packages of registered components, this package does not import its modules on
import: ``mmcls serve --help`` must answer without importing torch.  Import the modules
directly (``from mmcls.deployment.serve import main``).
"""
__all__: list = []
