# EVA-L (patch 14) without a head: a feature extractor returning the normalised mean of the
# patch tokens, for the pre-trained (merged-30M / MIM / ImageNet-21k) checkpoints.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='BEiT',
        arch='l',
        img_size=224,
        patch_size=14,
        avg_token=True,
        layer_scale_init_value=0.0,
        output_cls_token=False,
        use_abs_pos_emb=True,
        use_rel_pos_bias=False,
        use_shared_rel_pos_bias=False,
        layer_cfgs=dict(bias=True),  # EVA-L has a full qkv bias
    ),
    neck=None,
    head=None,
)

data_preprocessor = dict(
    # CLIP normalisation, RGB
    mean=[0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
    std=[0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255],
    to_rgb=True,
)
