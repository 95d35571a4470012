"""Scene-asset loading costs, each against a plain peer measured in the same process:
  - built-in ImagePool / EnvPool construction (cold, cache cleared) - the budget is < 3 s together;
  - ImagePool.from_folder (threaded, JPEG draft decoding) vs a sequential Pillow loop doing the
    same open/convert/LANCZOS-resize on 48 synthetic 2048x1536 JPEGs;
  - the numpy Radiance .hdr decoder vs imageio's FreeImage plugin (when installed) on a 2048x1024 map.
"""
import os
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from handraster.scene import env_maps, image_pool  # noqa: E402
from handraster.scene.hdr_io import read_radiance_hdr  # noqa: E402
from handraster.scene.procedural_backgrounds import procedural_background  # noqa: E402


def best(fn, reps=3):
    ts = []
    for _ in range(reps):
        s = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - s)
    return min(ts)


def cold_builtin():
    image_pool._builtin_pool.cache_clear()
    env_maps._builtin_env.cache_clear()
    t0 = time.perf_counter()
    image_pool.ImagePool.builtin()
    t1 = time.perf_counter()
    env_maps.EnvPool.builtin()
    return t1 - t0, time.perf_counter() - t1


def main():
    ti, te = min((cold_builtin() for _ in range(3)), key=sum)
    print(f"builtin ImagePool {ti:.2f} s, EnvPool {te:.2f} s, total {ti + te:.2f} s (budget 3 s)")
    with tempfile.TemporaryDirectory() as d:
        for i in range(48):
            img = procedural_background(np.random.default_rng(i), 512, i)[1]
            Image.fromarray(img).resize((2048, 1536)).save(os.path.join(d, f"{i:02d}.jpg"), quality=90)

        def peer():
            out = []
            for f in sorted(os.listdir(d)):
                with Image.open(os.path.join(d, f)) as im:
                    out.append(np.asarray(im.convert("RGB").resize((1024, 768), Image.LANCZOS)))
            return out

        t_ours = best(lambda: image_pool.ImagePool.from_folder(d, max_side=1024))
        t_peer = best(peer)
        print(f"from_folder 48 x 2048x1536 jpg: {t_ours:.2f} s vs sequential Pillow {t_peer:.2f} s "
              f"-> {t_peer / t_ours:.1f}x")
        env = (np.random.default_rng(0).random((1024, 2048, 3)) ** 3 * 10).astype(np.float32)
        path = os.path.join(d, "env.hdr")
        try:
            import imageio.v2 as iio
            iio.imwrite(path, env, format="HDR-FI")
            t_fi = best(lambda: iio.imread(path, format="HDR-FI"))
        except Exception as e:
            print(f"FreeImage not available ({type(e).__name__}); numpy decoder only")
            from handraster.scene.hdr_io import write_radiance_hdr
            write_radiance_hdr(path, env)
            t_fi = None
        t_np = best(lambda: read_radiance_hdr(path))
        msg = f"  FreeImage {t_fi:.2f} s -> numpy/FreeImage {t_np / t_fi:.1f}x" if t_fi else ""
        print(f".hdr 2048x1024: numpy decoder {t_np:.2f} s{msg}")


if __name__ == "__main__":
    main()
