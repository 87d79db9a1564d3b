package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Column;
import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;

/**
 * How the proposals give their boxes ({@code proposals.box.format}, {@code proposals.box.normalized},
 * {@code proposals.box.resize}) and how they become the {@code x1, y1, x2, y2} pixels of the image
 * the maps were computed from, which the job pools and writes.
 *
 * <p>The conversion is torchvision's {@code box_convert} to xyxy, in float32 and in its order of
 * operations ({@code torchvision/ops/_box_convert.py}): xywh {@code x2 = x + w}; cxcywh {@code x1 =
 * cx - 0.5 * w}, {@code x2 = cx + 0.5 * w}. Normalized boxes are then multiplied by the image's
 * width and height, as DETR's post-processing does ({@code box_cxcywh_to_xyxy(b) * [w, h, w, h]}).
 * Float32 because that is the precision in which a detector's tensors hold them: doing it in double
 * would give other boxes than the model's for values that are not exact in float32.
 *
 * <p>Resized boxes: detectors resize an image before the backbone (torchvision's {@code
 * GeneralizedRCNNTransform}) and report boxes in the original image's pixels, while the maps are in
 * the resized image's frame. With {@code resize}, boxes (after the conversion above) are scaled per
 * axis from the original size ({@code image_width, image_height}) to the size the backbone saw
 * ({@code input_width, input_height}) exactly as torchvision's {@code resize_boxes}
 * ({@code torchvision/models/detection/transform.py}): {@code ratio_w = float32(input_width) /
 * float32(image_width)}, then {@code x1 * ratio_w} in float32; likewise y with the heights.
 *
 * @param format     xyxy, xywh or cxcywh
 * @param normalized coordinates in [0, 1] of the image; needs {@code image_width, image_height}
 * @param resize     boxes in the original image's pixels, maps of a resized image; needs {@code
 *                   image_width, image_height, input_width, input_height}
 */
public record BoxInput(String format, boolean normalized, boolean resize) implements Serializable {

  private static final long serialVersionUID = 1L;

  /** x1, y1, x2, y2 in image pixels, as given: nothing to convert. */
  public static final BoxInput XYXY = new BoxInput("xyxy", false);

  /** The image size columns a normalized input needs. */
  public static final List<String> IMAGE_SIZE = List.of("image_width", "image_height");

  /** The size of the image the backbone saw, which a resized input needs besides {@link #IMAGE_SIZE}. */
  public static final List<String> INPUT_SIZE = List.of("input_width", "input_height");

  /** Boxes of the maps' own image (no resize). */
  public BoxInput(String format, boolean normalized) {
    this(format, normalized, false);
  }

  public BoxInput {
    if (!List.of("xyxy", "xywh", "cxcywh").contains(format)) {
      throw new IllegalArgumentException("option " + JobOptions.BOX_FORMAT
          + " must be xyxy | xywh | cxcywh, got '" + format + "'");
    }
  }

  public static BoxInput of(JobConfig cfg) {
    return new BoxInput(cfg.getChoice(JobOptions.BOX_FORMAT).toLowerCase(java.util.Locale.ROOT),
        cfg.getBoolean(JobOptions.BOX_NORMALIZED), cfg.getBoolean(JobOptions.BOX_RESIZE));
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
    return new BoxInput("xywh", false, configured.resize());
  }

  /** The coordinate columns the input must have, in the format's order. */
  public List<String> columns() {
    return switch (format) {
      case "xywh" -> List.of("x", "y", "w", "h");
      case "cxcywh" -> List.of("cx", "cy", "w", "h");
      default -> Proposals.COORDS;
    };
  }

  /** The size columns the boxes need: none, the image's, or the image's and the backbone's input's. */
  public List<String> sizeColumns() {
    List<String> out = new java.util.ArrayList<>();
    if (normalized || resize) {
      out.addAll(IMAGE_SIZE);
    }
    if (resize) {
      out.addAll(INPUT_SIZE);
    }
    return out;
  }

  /** Whether the given values are not already x1, y1, x2, y2 in the maps' image pixels. */
  public boolean converts() {
    return !format.equals("xyxy") || normalized || resize;
  }

  /**
   * x1, y1, x2, y2 as float32 columns from the given coordinates (double columns, in {@link
   * #columns()} order) and the size columns (double columns, by name; see {@link #sizeColumns()}).
   * Spark evaluates float-typed +, - and * in Java float, so each step rounds as torch's does.
   */
  Column[] toXyxy(Column[] given, java.util.function.Function<String, Column> size) {
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
      Column w = size.apply("image_width").try_cast("float");
      Column h = size.apply("image_height").try_cast("float");
      xyxy = scaled(xyxy, w, h);
    }
    if (resize) {
      // Spark divides in double: the quotient of two float32 values rounded once to float32 equals
      // float32 division (a double holds more than twice float32's precision), as torch computes it.
      Column ratioW = size.apply("input_width").try_cast("float")
          .divide(size.apply("image_width").try_cast("float")).cast("float");
      Column ratioH = size.apply("input_height").try_cast("float")
          .divide(size.apply("image_height").try_cast("float")).cast("float");
      xyxy = scaled(xyxy, ratioW, ratioH);
    }
    return xyxy;
  }

  /** x1, x2 times {@code fx}; y1, y2 times {@code fy} (float32 columns). */
  private static Column[] scaled(Column[] xyxy, Column fx, Column fy) {
    return new Column[] {xyxy[0].multiply(fx), xyxy[1].multiply(fy), xyxy[2].multiply(fx),
        xyxy[3].multiply(fy)};
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
        + (resize ? ", then resized to the maps' image: x*(input_width/image_width), "
            + "y*(input_height/image_height) (torchvision resize_boxes)" : "")
        + "; float32, torchvision box_convert order";
  }
}
