# EfficientFormer-L3: conv stem, pooling MetaFormer stages ending in attention blocks; the
# pooled (B, C, N) tokens go to the class + distillation classifiers (logits averaged).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='EfficientFormer',
        arch='l3',
        drop_path_rate=0,
        init_cfg=[
            dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=.02, bias=0.),
            dict(type='Constant', layer=['GroupNorm'], val=1., bias=0.),
            dict(type='Constant', layer=['LayerNorm'], val=1., bias=0.)
        ]),
    neck=dict(type='GlobalAveragePooling', dim=1),
    head=dict(
        type='EfficientFormerClsHead', in_channels=512, num_classes=1000, distillation=True))
