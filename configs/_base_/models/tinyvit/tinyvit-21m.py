# TinyViT-21M: conv stem + MBConv stage + three window-attention stages, pooled-token head.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='TinyViT',
        arch='21m',
        img_size=(224, 224),
        window_size=[7, 7, 14, 7],
        out_indices=(3, ),
        drop_path_rate=0.0,
        gap_before_final_norm=True,
        init_cfg=[
            dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=.02, bias=0.),
            dict(type='Constant', layer=['LayerNorm'], val=1., bias=0.),
        ]),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=576,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))
