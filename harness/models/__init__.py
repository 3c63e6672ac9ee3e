"""Generation backends, all behind `harness.models.base.Backend`."""
