"""Checking a backbone's ``frozen_stages`` argument against the range it can freeze."""


def check_frozen_stages(frozen_stages: int, low: int, high: int, owner: str) -> None:
    """Raise a ValueError naming ``owner`` unless ``low <= frozen_stages <= high``."""
    if not low <= frozen_stages <= high:
        raise ValueError(f'{owner}: frozen_stages must be in [{low}, {high}], '
                         f'got {frozen_stages}')


__all__ = ['check_frozen_stages']
