package org.roifeatures.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel implementations and layouts a golden case is checked with: the facade's choice, the
 * scalar kernels, and the vector kernels when this JVM has them, each on CHW and HWC maps.
 */
final class KernelVariants {

  record Variant(String name, RoiKernels kernels, FeatureMap.Layout layout) {}

  private KernelVariants() {}

  static List<Variant> all() {
    List<Variant> out = new ArrayList<>();
    for (FeatureMap.Layout layout : FeatureMap.Layout.values()) {
      out.add(new Variant("scalar/" + layout, RoiKernelsProvider.scalar(), layout));
      RoiKernels panama = RoiKernelsProvider.panamaOrNull();
      if (panama != null) {
        out.add(new Variant(panama.name() + "/" + layout, panama, layout));
      }
    }
    return out;
  }
}
