package org.roifeatures.spark.task;

import java.util.List;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.MultiScaleRoiAlign;
import org.roifeatures.ops.PsRoiAlign;
import org.roifeatures.ops.PsRoiPool;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignRotated;
import org.roifeatures.ops.RoiPool;
import org.roifeatures.spark.OpSettings;
import org.roifeatures.spark.io.MapEntry;

/**
 * Runs the configured core-ops operator for one image: maps in, rows of C·PH·PW floats out into a
 * caller's buffer. The only place the Spark job touches the operators.
 */
public final class RoiComputer {

  private final OpSettings settings;
  private FeatureMap[] maps;
  private double[] scales;
  private MultiScaleRoiAlign multiScale;

  public RoiComputer(OpSettings settings) {
    this.settings = settings;
  }

  /** Sets the image's maps (one per level in {@code settings.levels()} order) and their entries. */
  public void setImage(FeatureMap[] levelMaps, List<MapEntry> entries) {
    this.maps = levelMaps;
    double[] s = new double[entries.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = entries.get(i).spatialScale();
    }
    if (multiScale == null || !java.util.Arrays.equals(s, scales)) {
      scales = s;
      multiScale = switch (settings.op()) {
        case MULTISCALE_ROI_ALIGN -> new MultiScaleRoiAlign(s, settings.levelMapper(s),
            settings.alignParams(1.0));
        default -> null;
      };
    }
  }

  /**
   * Pools boxes {@code [from, from+count)} of {@code boxes} into {@code out} from index 0; for
   * multi-scale writes each box's level index (or −1) into {@code levels}.
   */
  public void compute(float[] boxes, int from, int count, float[] out, int[] levels) {
    int at = settings.op().boxFields() * from;
    switch (settings.op()) {
      case ROI_ALIGN -> RoiAlign.forward(maps[0], boxes, at, count,
          settings.alignParams(scales[0]), out, 0);
      case ROI_POOL -> RoiPool.forward(maps[0], boxes, at, count, settings.poolParams(scales[0]),
          out, 0);
      case PS_ROI_ALIGN -> PsRoiAlign.forward(maps[0], boxes, at, count,
          settings.alignParams(scales[0]), out, 0);
      case PS_ROI_POOL -> PsRoiPool.forward(maps[0], boxes, at, count,
          settings.poolParams(scales[0]), out, 0);
      case MULTISCALE_ROI_ALIGN -> multiScale.forward(maps, boxes, at, count, out, 0, levels, 0);
      case ROI_ALIGN_ROTATED -> RoiAlignRotated.forward(maps[0], boxes, at, count,
          settings.alignParams(scales[0]), out, 0);
      default -> throw new AssertionError(settings.op());
    }
  }
}
