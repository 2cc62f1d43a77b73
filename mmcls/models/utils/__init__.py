from mmcls.utils.package import export_submodules, lazy_exports

__all__ = export_submodules(__name__, __path__, globals())

# blocks defined with their backbones, kept importable from here as in MMClassification 1.x;
# resolved on first access (their modules import this package)
__getattr__ = lazy_exports(__name__, {
    'BEiTAttention': 'mmcls.models.backbones.beit',
    'LeAttention': 'mmcls.models.backbones.tinyvit',
})
