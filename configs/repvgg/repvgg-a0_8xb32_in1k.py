# Lower-case spelling of repvgg-A0_8xb32_in1k.py used by the documentation's commands.
_base_ = './repvgg-A0_8xb32_in1k.py'
