package org.roifeatures.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A call timed by this thread's CPU time (on a shared machine wall time mostly measures waiting for
 * a core): {@code reps} warm-up calls, then {@code reps} timed ones. Also counts the bytes a call
 * allocates in its steady state and warns when that is more than the call's own parameter objects:
 * C2 boxes vectors when it stops inlining a kernel's vector calls (its node limit), which costs up to
 * 2–3×, and this is how such a collapse shows.
 *
 * @param bestMs                fastest timed call
 * @param medianMs              median timed call
 * @param allocatedBytesPerCall bytes allocated per timed call (0 where the JVM does not count them)
 */
record CpuTimes(double bestMs, double medianMs, long allocatedBytesPerCall) {

  /** More than the call's own parameter objects: a kernel that allocates per bin or per RoI. */
  private static final long ALLOCATION_WARNING_BYTES = 4096;

  static CpuTimes measure(String what, int reps, Runnable call) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[] cpu = new long[reps];
    long allocatedBefore = 0;
    for (int i = 0; i < 2 * reps; i++) {
      if (i == reps) {
        allocatedBefore = allocatedBytes(mx);
      }
      long t = mx.getCurrentThreadCpuTime();
      call.run();
      if (i >= reps) {
        cpu[i - reps] = mx.getCurrentThreadCpuTime() - t;
      }
    }
    long allocatedPerCall = (allocatedBytes(mx) - allocatedBefore) / reps;
    if (allocatedPerCall > ALLOCATION_WARNING_BYTES) {
      System.err.printf("WARNING: %s allocates %,d bytes per call in its steady state: vectors are"
          + " boxed somewhere (see README, Performance - kernels)%n", what, allocatedPerCall);
    }
    Arrays.sort(cpu);
    return new CpuTimes(cpu[0] / 1e6, cpu[reps / 2] / 1e6, allocatedPerCall);
  }

  /** This thread's allocated bytes, or 0 where the JVM does not count them. */
  private static long allocatedBytes(ThreadMXBean mx) {
    return mx instanceof com.sun.management.ThreadMXBean hs ? hs.getCurrentThreadAllocatedBytes() : 0;
  }
}
