"""Dataset generation: plan.py (shards), shard_job.py (one shard), runner.py (generate()),
workers.py (processes), ray_runner.py (Ray), manifest.py (records, manifest), progress.py."""
from handraster.generate.runner import GenerateError, GenerateInterrupted, GenerateResult, generate

__all__ = ["generate", "GenerateError", "GenerateInterrupted", "GenerateResult"]
