# MixMIM-Base encoder: window-attention stages, token-averaged last stage, linear classifier.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='MixMIMTransformer', arch='B', drop_rate=0.0, drop_path_rate=0.1),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)),
    init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
    ])
