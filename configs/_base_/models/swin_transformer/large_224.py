# Swin-Large at 224px: the model part of the Swin Transformer configs.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='SwinTransformer', arch='large', img_size=224),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1536,
        init_cfg=None,  # the classifier's TruncNormal/Constant init below covers the head
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)),
    init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
    ],
)
