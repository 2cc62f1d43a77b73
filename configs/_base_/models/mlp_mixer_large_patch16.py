# MLP-Mixer-Large (patch 16): the model part of the MLP-Mixer configs.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='MlpMixer',
        arch='l',
        img_size=224,
        patch_size=16,
        drop_rate=0.1,
        init_cfg=[
            dict(type='Kaiming', layer='Conv2d', mode='fan_in', nonlinearity='linear')
        ]),
    neck=dict(type='GlobalAveragePooling', dim=1),  # average the (B, C, tokens) output
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ),
)
