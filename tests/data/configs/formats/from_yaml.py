_base_ = ['./runtime.yaml', './schedule.json']
resume = True
