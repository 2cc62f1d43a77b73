# RepVGG-A0 in its re-parameterised inference form (the path the documentation uses; the other
# deploy configs live in deploy/).
_base_ = './deploy/repvgg-A0_deploy_in1k.py'
