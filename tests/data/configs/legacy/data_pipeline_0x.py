# A 0.x-style `data` field, target of the option
# `data.train.pipeline.1.flip_prob=0.0`.
data = dict(
    samples_per_gpu=32,
    workers_per_gpu=2,
    train=dict(
        type='ImageNet',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='TopDownRandomFlip', flip_prob=0.5),
        ]),
)
