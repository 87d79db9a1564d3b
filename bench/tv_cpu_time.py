"""torchvision's CPU RoI ops on tv_bench.py's saved inputs, timed by this thread's CPU time.

For shared machines, where wall time mostly measures waiting for a core. Companion of
org.roifeatures.bench.CpuTimeRun; same cases, same inputs (written by tv_bench.py --save DIR).
Usage: /usr/bin/python3 bench/tv_cpu_time.py DIR [REPS]
"""
import sys, time
import numpy as np
import torch
from torchvision.ops import roi_align, roi_pool

CASES = [  # name, out, sampling, aligned, op -- as in shared/bench/tv_bench.py
    ("fpn_p4_align_7x7_sr2", 7, 2, True, "align"),
    ("fpn_p4_align_7x7_adaptive", 7, -1, True, "align"),
    ("c4_align_14x14_sr0", 14, 0, False, "align"),
    ("vgg_pool_7x7", 7, 0, False, "pool"),
]
SCALE = 1.0 / 16

def main():
    d = sys.argv[1]; reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    torch.set_num_threads(1)
    for name, out, sr, aligned, op in CASES:
        f = torch.from_numpy(np.load(f"{d}/{name}_feat.npy")[None])
        b = [torch.from_numpy(np.load(f"{d}/{name}_boxes.npy"))]
        run = (lambda: roi_align(f, b, out, SCALE, sr, aligned)) if op == "align" else (lambda: roi_pool(f, b, out, SCALE))
        y = run()
        assert np.array_equal(y.numpy(), np.load(f"{d}/{name}_out.npy")), name
        ts = []
        for _ in range(reps):
            t = time.thread_time(); run(); ts.append(time.thread_time() - t)
        ts.sort(); n = b[0].shape[0]
        print(f"{name}\tbest_ms={ts[0] * 1e3:.1f}\tmedian_ms={ts[len(ts) // 2] * 1e3:.1f}"
              f"\trois_per_s_best={n / ts[0]:.0f}\trois_per_s_median={n / ts[len(ts) // 2]:.0f}")

if __name__ == "__main__":
    main()
