# ConvMixer-1024/20 (GELU activations) -> global average pooling -> linear classifier.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ConvMixer', arch='1024/20', act_cfg=dict(type='GELU')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ))
