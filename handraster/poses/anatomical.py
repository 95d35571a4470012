def sample_anatomical(*a, **k): raise NotImplementedError
def sample_anatomical_angles(*a, **k): raise NotImplementedError
