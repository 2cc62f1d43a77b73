level = {{_base_.log_level}}
