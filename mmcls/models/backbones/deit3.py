"""DeiT III (Touvron et al. 2022, "Revenge of the ViT"): a ViT with LayerScale on both residual
branches and a position embedding that covers the patch tokens only (the class token is added
after it)."""
from typing import Sequence, Union

from mmcls.registry import MODELS

from .vision_transformer import VisionTransformer

# embed_dims, num_layers, num_heads, feedforward_channels
arch_settings = {
    **dict.fromkeys(['s', 'small'], dict(embed_dims=384, num_layers=12, num_heads=6,
                                         feedforward_channels=1536)),
    **dict.fromkeys(['m', 'medium'], dict(embed_dims=512, num_layers=12, num_heads=8,
                                          feedforward_channels=2048)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=768, num_layers=12, num_heads=12,
                                        feedforward_channels=3072)),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=1024, num_layers=24, num_heads=16,
                                         feedforward_channels=4096)),
    **dict.fromkeys(['h', 'huge'], dict(embed_dims=1280, num_layers=32, num_heads=16,
                                        feedforward_channels=5120)),
}


@MODELS.register_module()
class DeiT3(VisionTransformer):
    """DeiT III backbone; outputs and options as :class:`VisionTransformer`.

    Args:
        arch: 's', 'm', 'b', 'l', 'h' (or small/medium/base/large/huge) or a custom dict.
        use_layer_scale / layer_scale_init_value: LayerScale of both branches of every layer.
        Other arguments as :class:`VisionTransformer`; ``pre_norm`` is not supported.
    """
    arch_zoo = arch_settings
    pos_embed_covers_extra_tokens = False

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 *args,
                 use_layer_scale: bool = True,
                 layer_scale_init_value: float = 1e-4,
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 **kwargs) -> None:
        scale = dict(layer_scale_init_value=layer_scale_init_value if use_layer_scale else 0.)
        if isinstance(layer_cfgs, dict):
            layer_cfgs = {**scale, **layer_cfgs}
        else:
            layer_cfgs = [{**scale, **cfg} for cfg in layer_cfgs]
        super().__init__(arch, *args, layer_cfgs=layer_cfgs, **kwargs)


__all__ = ['DeiT3']
