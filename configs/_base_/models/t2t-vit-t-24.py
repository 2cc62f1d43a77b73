# T2T-ViT-t-24: tokens-to-token stem, 24 transformer layers of width 512, class-token head.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='T2T_ViT',
        arch='t-24',
        img_size=224,
        in_channels=3,
        t2t_cfg=dict(token_dims=64),
        drop_path_rate=0.1,
        init_cfg=[
            dict(type='TruncNormal', layer='Linear', std=.02),
            dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
        ]),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=1000,
        in_channels=512,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=.02)),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))
