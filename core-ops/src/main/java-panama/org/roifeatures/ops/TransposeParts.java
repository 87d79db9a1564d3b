package org.roifeatures.ops;

import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** The constants and the tail shared by {@link Transpose16} and {@link Transpose8}. */
final class TransposeParts {

  private TransposeParts() {}

  /** Lane j takes lane (j + d) mod n: a rotation left by d (right for negative d). */
  static VectorShuffle<Float> rotate(VectorSpecies<Float> species, int d) {
    int n = species.length();
    int[] idx = new int[n];
    for (int j = 0; j < n; j++) {
      idx[j] = Math.floorMod(j + d, n);
    }
    return VectorShuffle.fromArray(species, idx, 0);
  }

  /** The lanes whose index has bit {@code d}: the second half of every 2d-lane group. */
  static VectorMask<Float> lanesWithBit(VectorSpecies<Float> species, int d) {
    boolean[] m = new boolean[species.length()];
    for (int j = 0; j < m.length; j++) {
      m[j] = (j & d) != 0;
    }
    return VectorMask.fromArray(species, m, 0);
  }

  /** The bins a whole tile does not cover ({@code from} to {@code bins}): plain copies. */
  static void copyRemainingBins(float[] b, int from, int bins, int width, float[] out, int at) {
    for (int bin = from; bin < bins; bin++) {
      for (int k = 0, i = bin * width; k < width; k++, i++) {
        out[at + k * bins + bin] = b[i];
      }
    }
  }
}
