package org.roifeatures.spark.task;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.roifeatures.spark.OpSettings;
import org.roifeatures.spark.RejectReason;
import org.roifeatures.spark.io.MapEntry;

/**
 * Decides, from the index alone, whether an image can be pooled and which of its maps to use (one per
 * level the op needs, finest first), or why not. The feature pass and the rejects pass both call this,
 * so they always agree on which images are rejected and why.
 */
public final class ImagePlan {

  /** Either {@code maps} (usable, in level order) or a reject {@code reason} with its detail. */
  public record Decision(List<MapEntry> maps, RejectReason reason, String detail) {
    public boolean ok() {
      return reason == null;
    }
  }

  private ImagePlan() {}

  public static Decision decide(String imageId, List<Row> mapRows, OpSettings s) {
    if (mapRows == null || mapRows.isEmpty()) {
      // A map file that could not be indexed may have held this image's map: "no map" would then
      // be a claim the job cannot make, so say which files were unreadable instead.
      if (!s.unreadableMapFiles().isEmpty()) {
        return reject(RejectReason.MAP_UNREADABLE, "no readable feature map for image " + imageId
            + "; it may be in a map file that could not be read: " + s.unreadableMapFiles());
      }
      return reject(RejectReason.NO_FEATURE_MAP, "no feature map for image " + imageId);
    }
    List<MapEntry> all = new ArrayList<>(mapRows.size());
    for (Row r : mapRows) {
      all.add(MapEntry.fromRow(r));
    }
    String[] levels = s.levels();
    List<MapEntry> chosen = new ArrayList<>(levels.length);
    for (String level : levels) {
      MapEntry found = null;
      int count = 0;
      for (MapEntry e : all) {
        if (e.level().equals(level)) {
          found = found == null ? e : found;
          count++;
        }
      }
      if (count == 0) {
        String have = all.stream().map(e -> "'" + e.level() + "'").distinct().toList().toString();
        return reject(RejectReason.MISSING_LEVEL, "image " + imageId + " has no map for level '"
            + level + "' (has " + have + ")");
      }
      if (count > 1) {
        return reject(RejectReason.DUPLICATE_FEATURE_MAP, "image " + imageId + " has " + count
            + " maps for level '" + level + "'");
      }
      if (found.problem() != null) {
        return reject(found.problem().startsWith("unreadable") ? RejectReason.MAP_UNREADABLE
            : RejectReason.BAD_MAP_SHAPE, found.problem() + " (" + found.location() + ")");
      }
      double scale = found.spatialScale();
      if (Double.isNaN(scale)) {
        Double configured = s.configuredScale(level);
        if (configured == null) {
          return reject(RejectReason.BAD_MAP_SHAPE, "no spatial_scale for level '" + level
              + "' of image " + imageId + "; set maps.scales");
        }
        found = found.withScale(configured);
      } else if (!(scale > 0) || Double.isInfinite(scale)) {
        return reject(RejectReason.BAD_MAP_SHAPE, "spatial_scale " + scale + " of " + found.location()
            + " is not finite and > 0");
      } else if (s.scalesDeclared() && s.configuredScale(level) != null
          && s.configuredScale(level) != scale) {
        return reject(RejectReason.BAD_MAP_SHAPE, "spatial_scale " + scale + " of "
            + found.location() + " differs from the declared maps.scales " + level + "="
            + s.configuredScale(level));
      }
      if (found.channels() != s.channels()) {
        return reject(RejectReason.CHANNEL_MISMATCH, found.location() + " has " + found.channels()
            + " channels; the data set's maps have " + s.channels());
      }
      chosen.add(found);
    }
    return new Decision(chosen, null, null);
  }

  private static Decision reject(RejectReason reason, String detail) {
    return new Decision(null, reason, detail);
  }
}
