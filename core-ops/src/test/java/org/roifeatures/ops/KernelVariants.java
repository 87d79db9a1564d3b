package org.roifeatures.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel implementations and map arrangements a golden case is checked with: the scalar kernels,
 * and the vector kernels when this JVM has them, each on CHW, HWC, padded HWC and channel-blocked HWC
 * maps.
 */
final class KernelVariants {

  /** How a test's CHW map is handed to the kernels. */
  enum Arrangement {
    CHW,
    HWC,
    /** Channels-last with a cache line (16 floats) of padding per pixel, as {@code RoiAlign.prepare} makes. */
    HWC_PADDED,
    /** Channels-last in blocks of 16 channels (the last one partial unless C is a multiple of 16). */
    HWC_BLOCKS_16,
    /** Channels-last in blocks of 256 channels: whole passes of the vector kernels, read in place. */
    HWC_BLOCKS_256;

    FeatureMap apply(FeatureMap map) {
      return switch (this) {
        case CHW -> map.toLayout(FeatureMap.Layout.CHW);
        case HWC -> map.toLayout(FeatureMap.Layout.HWC);
        case HWC_PADDED -> map.toHwc(map.channels() + 16);
        case HWC_BLOCKS_16 -> map.toChannelBlocks(16);
        case HWC_BLOCKS_256 -> map.toChannelBlocks(256);
      };
    }
  }

  record Variant(String name, RoiKernels kernels, Arrangement arrangement) {
    FeatureMap arrange(FeatureMap map) {
      return arrangement.apply(map);
    }
  }

  private KernelVariants() {}

  static List<Variant> all() {
    List<Variant> out = new ArrayList<>();
    for (Arrangement a : Arrangement.values()) {
      out.add(new Variant("scalar/" + a, RoiKernelsProvider.scalar(), a));
      RoiKernels panama = RoiKernelsProvider.panamaOrNull();
      if (panama != null) {
        out.add(new Variant(panama.name() + "/" + a, panama, a));
      }
    }
    return out;
  }
}
