"""DeiT III (Touvron et al. 2022, "Revenge of the ViT"): a ViT with LayerScale on both residual
branches and a position embedding that covers the patch tokens only (the class token is added
after it)."""
from typing import Optional, Sequence, Union

from mmcls.registry import MODELS

from ..utils.ffn import FFN
from .vision_transformer import TransformerEncoderLayer, VisionTransformer

# The LayerScale initial value of the DeiT III blocks below when ``use_layer_scale``.
LAYER_SCALE_INIT = 1e-5


class DeiT3FFN(FFN):
    """:class:`FFN` whose output is scaled by a learned LayerScale ``gamma2`` (initialised to
    1e-5) when ``use_layer_scale``."""

    def __init__(self,
                 embed_dims: int = 256,
                 feedforward_channels: int = 1024,
                 num_fcs: int = 2,
                 act_cfg: dict = dict(type='ReLU', inplace=True),
                 ffn_drop: float = 0.,
                 dropout_layer: Optional[dict] = None,
                 add_identity: bool = True,
                 use_layer_scale: bool = True,
                 init_cfg=None) -> None:
        super().__init__(embed_dims, feedforward_channels, num_fcs, act_cfg, ffn_drop,
                         dropout_layer, add_identity,
                         layer_scale_init_value=LAYER_SCALE_INIT if use_layer_scale else 0.,
                         init_cfg=init_cfg)


class DeiT3TransformerEncoderLayer(TransformerEncoderLayer):
    """:class:`TransformerEncoderLayer` with LayerScale (initialised to 1e-5) on the attention
    and FFN branches when ``use_layer_scale``."""

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 num_fcs: int = 2,
                 qkv_bias: bool = True,
                 use_layer_scale: bool = True,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(embed_dims, num_heads, feedforward_channels, drop_rate, attn_drop_rate,
                         drop_path_rate, num_fcs, qkv_bias, act_cfg, norm_cfg, init_cfg,
                         layer_scale_init_value=LAYER_SCALE_INIT if use_layer_scale else 0.)

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


__all__ = ['DeiT3', 'DeiT3FFN', 'DeiT3TransformerEncoderLayer']
