package org.roifeatures.ops;

/**
 * A RoI's bilinear sample points grouped by output bin, as the per-sample kernels read them: for
 * sample {@code s} of bin {@code b} ({@code binStart[b] ≤ s < binStart[b + 1]}, bin index ph·PW + pw)
 * the four map cells it reads, as element offsets from a channel's first element (already multiplied
 * by the pixel stride), and their bilinear weights. Shared by every channel of the RoI.
 *
 * <p>Filled by {@link SamplePlan} (axis-aligned RoIs, for the max modes and torchvision's summation
 * order) and {@link RotatedSamplePlan} (rotated RoIs), so that one loop per kernel serves both.
 */
abstract class BinSamples {

  /** Start of each bin's samples in the flat arrays below; bin index is ph·PW + pw. */
  int[] binStart = new int[64];
  int[] pos1 = new int[256];
  int[] pos2 = new int[256];
  int[] pos3 = new int[256];
  int[] pos4 = new int[256];
  float[] w1 = new float[256];
  float[] w2 = new float[256];
  float[] w3 = new float[256];
  float[] w4 = new float[256];
  /** Samples stored. */
  int size;
}
