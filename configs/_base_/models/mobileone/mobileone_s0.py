# MobileOne-S0 (training-time branches) -> global average pooling -> linear classifier.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='MobileOne', arch='s0', out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original', loss_weight=1.0),
        topk=(1, 5),
    ))
