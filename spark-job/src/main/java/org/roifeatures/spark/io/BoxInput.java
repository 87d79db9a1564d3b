package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Column;
import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;

/**
 * How the proposals give their boxes ({@code proposals.box.format}, {@code proposals.box.normalized})
 * and how they become the {@code x1, y1, x2, y2} image pixels the job pools and writes.
 *
 * <p>The conversion is torchvision's {@code box_convert} to xyxy, in float32 and in its order of
 * operations ({@code torchvision/ops/_box_convert.py}): xywh {@code x2 = x + w}; cxcywh {@code x1 =
 * cx - 0.5 * w}, {@code x2 = cx + 0.5 * w}. Normalized boxes are then multiplied by the image's
 * width and height, as DETR's post-processing does ({@code box_cxcywh_to_xyxy(b) * [w, h, w, h]}).
 * Float32 because that is the precision in which a detector's tensors hold them: doing it in double
 * would give other boxes than the model's for values that are not exact in float32.
 *
 * @param format     xyxy, xywh or cxcywh
 * @param normalized coordinates in [0, 1] of the image; needs {@code image_width, image_height}
 */
public record BoxInput(String format, boolean normalized) implements Serializable {

  private static final long serialVersionUID = 1L;

  /** x1, y1, x2, y2 in image pixels, as given: nothing to convert. */
  public static final BoxInput XYXY = new BoxInput("xyxy", false);

  /** The image size columns a normalized input needs. */
  public static final List<String> IMAGE_SIZE = List.of("image_width", "image_height");

  public BoxInput {
    if (!List.of("xyxy", "xywh", "cxcywh").contains(format)) {
      throw new IllegalArgumentException("option " + JobOptions.BOX_FORMAT
          + " must be xyxy | xywh | cxcywh, got '" + format + "'");
    }
  }

  public static BoxInput of(JobConfig cfg) {
    return new BoxInput(cfg.getChoice(JobOptions.BOX_FORMAT).toLowerCase(java.util.Locale.ROOT),
        cfg.getBoolean(JobOptions.BOX_NORMALIZED));
  }

  /**
   * The boxes of proposals in {@code proposalsFormat} (resolved, not auto): COCO results always
   * give pixel {@code bbox = [x, y, w, h]}, so for them the options may only say so.
   */
  public static BoxInput of(JobConfig cfg, String proposalsFormat) {
    BoxInput configured = of(cfg);
    if (!proposalsFormat.equals("coco")) {
      return configured;
    }
    if (configured.normalized() || configured.format().equals("cxcywh")) {
      throw new IllegalArgumentException("COCO results (proposals.format=coco) give bbox = [x, y, "
          + "w, h] in pixels; " + JobOptions.BOX_FORMAT + "=" + configured.format() + " and "
          + JobOptions.BOX_NORMALIZED + "=" + configured.normalized() + " do not apply (leave them "
          + "at xyxy/xywh and false)");
    }
    return new BoxInput("xywh", false);
  }

  /** The coordinate columns the input must have, in the format's order. */
  public List<String> columns() {
    return switch (format) {
      case "xywh" -> List.of("x", "y", "w", "h");
      case "cxcywh" -> List.of("cx", "cy", "w", "h");
      default -> Proposals.COORDS;
    };
  }

  /** Whether the given values are not already x1, y1, x2, y2 in pixels. */
  public boolean converts() {
    return !format.equals("xyxy") || normalized;
  }

  /**
   * x1, y1, x2, y2 as float32 columns from the given coordinates (double columns, in {@link
   * #columns()} order) and, when normalized, the image's width and height (double columns).
   * Spark evaluates float-typed arithmetic in Java float, so each step rounds as torch's does.
   */
  Column[] toXyxy(Column[] given, Column imageWidth, Column imageHeight) {
    Column a = given[0].try_cast("float");
    Column b = given[1].try_cast("float");
    Column c = given[2].try_cast("float");
    Column d = given[3].try_cast("float");
    Column[] xyxy = switch (format) {
      case "xywh" -> new Column[] {a, b, a.plus(c), b.plus(d)};
      case "cxcywh" -> {
        Column halfW = lit(0.5f).multiply(c);
        Column halfH = lit(0.5f).multiply(d);
        yield new Column[] {a.minus(halfW), b.minus(halfH), a.plus(halfW), b.plus(halfH)};
      }
      default -> new Column[] {a, b, c, d};
    };
    if (normalized) {
      Column w = imageWidth.try_cast("float");
      Column h = imageHeight.try_cast("float");
      xyxy = new Column[] {xyxy[0].multiply(w), xyxy[1].multiply(h), xyxy[2].multiply(w),
          xyxy[3].multiply(h)};
    }
    return xyxy;
  }

  /** How x1..y2 were obtained, for the output's metadata ({@code roi_features.box_input}). */
  public String describe() {
    String conversion = switch (format) {
      case "xywh" -> "xywh: x1=x, y1=y, x2=x+w, y2=y+h";
      case "cxcywh" -> "cxcywh: x1=cx-0.5*w, y1=cy-0.5*h, x2=cx+0.5*w, y2=cy+0.5*h";
      default -> "xyxy";
    };
    if (!converts()) {
      return "xyxy: x1,y1,x2,y2 as given, image pixels";
    }
    return conversion + (normalized ? ", then x*image_width, y*image_height" : "")
        + "; float32, torchvision box_convert order";
  }
}
