"""The command-line tools behind ``mmcls COMMAND``, one module each with ``main(argv)``.

The top floor of the package: a tool may import anything in mmcls; only ``mmcls.cli`` imports
the tools.  ``mmcls_handler.py`` is the TorchServe handler file packed by ``mmcls2torchserve``.
"""
