"""handraster._alloc.tune_malloc: applied once per process, opt-out by environment."""
import subprocess
import sys

CODE = ("import handraster._alloc as a; first = a.tune_malloc(); second = a.tune_malloc(); "
        "print(first, second)")


def run(env_value=None):
    import os
    env = dict(os.environ)
    env.pop("HANDRASTER_MALLOC_TUNING", None)
    if env_value is not None:
        env["HANDRASTER_MALLOC_TUNING"] = env_value
    return subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, env=env,
                          check=True).stdout.split()


def test_applied_once_and_opt_out():
    first, second = run()
    assert second == "False"                      # idempotent: the second call does nothing
    assert first in ("True", "False")             # True on glibc; False where mallopt is absent
    if sys.platform.startswith("linux"):
        assert first == "True"
    assert run("0") == ["False", "False"]         # HANDRASTER_MALLOC_TUNING=0 opts out
