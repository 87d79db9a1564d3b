package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.RejectReason;
import org.roifeatures.spark.parquet.ParquetInputs;

/**
 * Reads proposals ({@code image_id, x1, y1, x2, y2} and optional {@code score, label, roi_id}) from
 * Parquet, CSV (with a header) or JSON lines, and marks every row that cannot be pooled with a reject
 * reason and a detail naming the bad value. Values are converted with {@code try_cast}, so a bad number
 * in a CSV becomes a {@link RejectReason#BAD_RECORD} row, never a job failure.
 *
 * <p>Result columns: {@code image_id, roi_id_given, x1, y1, x2, y2, score, label, angle, reason,
 * detail, _order} ({@code reason} null for rows that passed the per-row checks; {@code _order} the
 * input order). The per-image rules — {@code roi_id} is the input's when given, else the 0-based
 * position of the proposal within its image in input order; a later duplicate of an image's roi_id is
 * rejected — are applied by {@code ImageGroups} once an image's rows are together.
 */
public final class Proposals {

  public static final List<String> COORDS = List.of("x1", "y1", "x2", "y2");

  /** Spark's column for records the JSON/CSV reader could not parse (present only if there are some). */
  private static final String CORRUPT = "_corrupt_record";

  private Proposals() {}

  /**
   * Resolves {@code auto}: from the path's extension, else from the extension of the input's own
   * files (Spark writes {@code part-*.csv}, {@code part-*.json}, {@code part-*.parquet}): those
   * directly in the directory and in its partition directories, never those of another
   * subdirectory (see {@link InputFiles}), so an output written inside a CSV proposals directory
   * does not make it Parquet.
   *
   * @throws IllegalArgumentException "proposals path X does not exist", or the format is unclear
   */
  public static String detectFormat(SparkSession spark, String path, String format) {
    InputFiles files = InputFiles.list(hadoopConf(spark), WHAT, path);
    if (!format.equals("auto")) {
      return format;
    }
    String byName = formatOf(path);
    if (byName != null) {
      return byName.equals("json") ? jsonOrCoco(spark, files) : byName;
    }
    for (FileStatus f : files.files()) {
      String byFile = formatOf(f.getPath().getName());
      if (byFile != null) {
        return byFile.equals("json") ? jsonOrCoco(spark, files) : byFile;
      }
    }
    throw new InputException("cannot tell the format of proposals at " + path
        + " (no .parquet, .csv or .json files" + (files.ignoredDirs().isEmpty() ? ""
        : "; subdirectories are not read: " + files.ignoredDirs()) + "); set proposals.format to "
        + "parquet, csv or json");
  }

  /**
   * JSON lines hold one object per line; a COCO results file is one array: told apart by the first
   * character of the first JSON file that is not empty.
   */
  private static String jsonOrCoco(SparkSession spark, InputFiles files) {
    for (FileStatus f : files.files()) {
      if (f.getLen() > 0 && formatOf(f.getPath().getName()) != null) {
        return CocoResults.startsWithArray(hadoopConf(spark), f.getPath()) ? "coco" : "json";
      }
    }
    return "json";
  }

  /** Names the input in messages: "proposals path X does not exist". */
  private static final String WHAT = "proposals";

  private static Configuration hadoopConf(SparkSession spark) {
    return spark.sparkContext().hadoopConfiguration();
  }

  /** The format a file name's extension implies, or null. */
  private static String formatOf(String name) {
    String p = name.toLowerCase(Locale.ROOT);
    if (p.endsWith(".csv") || p.endsWith(".csv.gz")) {
      return "csv";
    }
    if (p.endsWith(".json") || p.endsWith(".jsonl") || p.endsWith(".ndjson") || p.endsWith(".json.gz")) {
      return "json";
    }
    if (p.endsWith(".parquet")) {
      return "parquet";
    }
    return null;
  }

  /** Validated proposal rows, and whether the input had a roi_id column (else ids are positions). */
  public record Read(Dataset<Row> rows, boolean roiIdsGiven) {}

  /** Reads and validates for an axis-aligned op; see the class comment for the columns. */
  public static Read read(SparkSession spark, String path, String format) {
    return read(spark, path, format, false);
  }

  /**
   * Reads and validates; see the class comment for the columns. With {@code rotated}, boxes are
   * turned about their centre by {@code angle} and must not be inverted (their width and height are
   * {@code x2 − x1} and {@code y2 − y1}).
   */
  public static Read read(SparkSession spark, String path, String format, boolean rotated) {
    return read(spark, path, format, rotated, BoxInput.XYXY);
  }

  /**
   * As {@link #read(SparkSession, String, String, boolean)}, with boxes given as {@code boxes}
   * says, converted to {@code x1, y1, x2, y2} image pixels (see {@link BoxInput}).
   */
  public static Read read(SparkSession spark, String path, String format, boolean rotated,
      BoxInput boxes) {
    return read(spark, path, format, rotated, boxes, 0);
  }

  /**
   * As above; with {@code imageIdDigits > 0}, image ids that are decimal integers are zero-padded
   * to that many digits (COCO's integer ids → its file names: 139 → 000000000139 for 12).
   */
  public static Read read(SparkSession spark, String path, String format, boolean rotated,
      BoxInput boxes, int imageIdDigits) {
    Configuration conf = hadoopConf(spark);
    InputFiles files = InputFiles.list(conf, WHAT, path).requireFiles();
    Dataset<Row> raw = InputErrors.reading(WHAT, () -> readRaw(spark, path, format, files, conf));
    List<String> names = Arrays.asList(raw.columns());
    if (names.isEmpty() && files.allEmpty() && !format.equals("parquet")) {
      // Chosen: 0-byte CSV / JSON-lines files hold no proposals, exactly like a header-only CSV
      // (the job succeeds with 0 rows and the summary says 0 proposals), rather than failing on
      // the columns Spark found in them (none). A 0-byte Parquet file is not a Parquet file.
      raw = spark.createDataFrame(List.of(), EMPTY_SCHEMA);
    }
    return validate(raw, "proposals at " + path, rotated, boxes, imageIdDigits);
  }

  /**
   * Validates proposals given as rows (the API's {@code Dataset<Row>}): the columns and checks of
   * a file's records, the same rejects. Image ids of any type are read as their text.
   */
  public static Read of(Dataset<Row> rows, boolean rotated, BoxInput boxes, int imageIdDigits) {
    return validate(rows, "proposals", rotated, boxes, imageIdDigits);
  }

  private static Read validate(Dataset<Row> raw, String what, boolean rotated, BoxInput boxes,
      int imageIdDigits) {
    List<String> names = Arrays.asList(raw.columns());
    if (rotated && boxes.resize()) {
      // A rotated box does not stay a rotated box under a scale that differs per axis.
      throw new IllegalArgumentException(JobOptions.BOX_RESIZE + "=true scales x and y apart; it "
          + "does not apply to rotated boxes (op roi_align_rotated)");
    }
    List<String> given = boxes.columns();
    List<String> required = new ArrayList<>(List.of("image_id"));
    required.addAll(given);
    required.addAll(boxes.sizeColumns());
    List<String> missing = new ArrayList<>();
    for (String c : required) {
      if (!names.contains(c)) {
        missing.add(c);
      }
    }
    if (!missing.isEmpty()) {
      throw new InputException(what + " lack column(s) " + missing
          + " (found " + names + ")" + (boxes.converts() ? "; " + JobOptions.BOX_FORMAT + "="
          + boxes.format() + ", " + JobOptions.BOX_NORMALIZED + "=" + boxes.normalized() + " and "
          + JobOptions.BOX_RESIZE + "=" + boxes.resize() + " need " + required : ""));
    }
    Column order = functions.monotonically_increasing_id();
    Column imageId = col("image_id").cast("string");
    if (imageIdDigits > 0) {
      imageId = when(imageId.rlike("^[0-9]+$").and(functions.length(imageId).lt(imageIdDigits)),
          functions.lpad(imageId, imageIdDigits, "0")).otherwise(imageId);
    }
    List<Column> select = new ArrayList<>(List.of(
        imageId.as("image_id"),
        optional(names, "roi_id").as("roi_id_raw"),
        optional(names, "roi_id").try_cast("long").as("roi_id_given")));
    // The given coordinates as "<name>_raw" (text) and "<name>_in" (double); x1..y2 from them.
    List<String> parsed = new ArrayList<>(given);
    parsed.addAll(boxes.sizeColumns());
    for (String g : parsed) {
      select.add(col(g).as(g + "_raw"));
      select.add(col(g).try_cast("double").as(g + "_in"));
    }
    select.addAll(List.of(
        optional(names, "score").as("score_raw"), optional(names, "score").try_cast("double").as("score"),
        optional(names, "label").as("label_raw"), optional(names, "label").try_cast("int").as("label"),
        optional(names, "angle").as("angle_raw"), optional(names, "angle").try_cast("double").as("angle"),
        optional(names, CORRUPT).as(CORRUPT),
        order.as("_order")));
    Dataset<Row> typed = raw.select(select.toArray(new Column[0]));
    Column[] in = given.stream().map(g -> col(g + "_in")).toArray(Column[]::new);
    // Unconverted xyxy keeps the doubles as given (the output has always written them as read).
    Column[] xyxy = boxes.converts()
        ? boxes.toXyxy(in, size -> col(size + "_in")) : in;
    for (int i = 0; i < 4; i++) {
      typed = typed.withColumn(COORDS.get(i), xyxy[i].cast("double"));
    }

    // First problem wins, in this order; the detail names the column and the value.
    List<Column[]> checks = new ArrayList<>();
    // A JSON line that is not an object parses to all-null fields plus its text in _corrupt_record:
    // it is a bad record, not a proposal with a missing image_id.
    checks.add(new Column[] {col(CORRUPT).isNotNull(), lit(RejectReason.BAD_RECORD.name()),
        concat(lit("malformed record: "), functions.substring(col(CORRUPT), 1, 200))});
    checks.add(new Column[] {col("image_id").isNull().or(functions.trim(col("image_id")).equalTo("")),
        lit(RejectReason.MISSING_IMAGE_ID.name()), lit("image_id is null or empty")});
    List<String> fields = new ArrayList<>(parsed);
    fields.addAll(List.of("score", "label", "angle", "roi_id"));
    for (String f : fields) {
      String typedName = f.equals("roi_id") ? "roi_id_given" : parsed.contains(f) ? f + "_in" : f;
      checks.add(new Column[] {col(f + "_raw").isNotNull().and(col(typedName).isNull()),
          lit(RejectReason.BAD_RECORD.name()),
          concat(lit(f + "='"), col(f + "_raw").cast("string"), lit("' is not a valid "
              + (f.equals("label") ? "integer" : f.equals("roi_id") ? "long" : "number")))});
    }
    for (String c : given) {
      checks.add(new Column[] {col(c + "_in").isNull(), lit(RejectReason.NON_FINITE_BOX.name()),
          lit(c + " is missing")});
      checks.add(new Column[] {notFloat32(col(c + "_in")),
          lit(RejectReason.NON_FINITE_BOX.name()),
          concat(lit(c + "="), col(c + "_in").cast("string"), lit(" is not a finite float32"))});
    }
    String needsSize = boxes.resize() ? JobOptions.BOX_RESIZE + "=true"
        : JobOptions.BOX_NORMALIZED + "=true";
    for (String c : boxes.sizeColumns()) {
      Column v = col(c + "_in");
      checks.add(new Column[] {v.isNull().or(functions.not(v.gt(0))).or(notFloat32(v)),
          lit(RejectReason.BAD_RECORD.name()),
          concat(lit(c + "="), functions.coalesce(v.cast("string"), lit("null")),
              lit(" is not a finite number > 0 (" + needsSize + ")"))});
    }
    if (boxes.converts()) {
      // A sum or product of finite float32 values can still overflow float32.
      for (String c : COORDS) {
        checks.add(new Column[] {notFloat32(col(c)), lit(RejectReason.NON_FINITE_BOX.name()),
            concat(lit(c + "="), col(c).cast("string"), lit(" (converted from " + boxes.format()
                + (boxes.normalized() ? ", normalized" : "") + (boxes.resize() ? ", resized" : "")
                + ") is not a finite float32"))});
      }
    }
    checks.add(new Column[] {notFloat32(col("angle")), lit(RejectReason.NON_FINITE_BOX.name()),
        concat(lit("angle="), col("angle").cast("string"), lit(" is not a finite float32"))});
    if (rotated) {
      // w = x2 - x1 and h = y2 - y1 must be float32 sizes >= 0.
      Column w = col("x2").minus(col("x1"));
      Column h = col("y2").minus(col("y1"));
      checks.add(new Column[] {w.lt(0).or(h.lt(0)).or(notFloat32(w)).or(notFloat32(h)),
          lit(RejectReason.BAD_ROTATED_BOX.name()),
          concat(lit("rotated box needs 0 <= x2 - x1 and 0 <= y2 - y1 within float32, got x1="),
              col("x1").cast("string"),
              lit(" y1="), col("y1").cast("string"), lit(" x2="), col("x2").cast("string"),
              lit(" y2="), col("y2").cast("string"))});
    }
    // One flat CASE WHEN yielding (reason, detail): the analyser and optimiser walk it once, where
    // two nested when/otherwise chains of 20+ levels each took a quarter of a second to plan.
    Column problem = null;
    for (Column[] ch : checks) {
      Column value = functions.struct(ch[1].as("reason"), ch[2].cast("string").as("detail"));
      problem = problem == null ? when(ch[0], value) : problem.when(ch[0], value);
    }
    // roi_id assignment (input position when not given) and duplicate detection need each image's
    // rows together and in input order: they happen per image inside the tasks (ImageGroups), after
    // the one shuffle that brings an image's rows together anyway, instead of in two window functions
    // that cost a shuffle and two sorts of their own.
    Dataset<Row> checked = typed.withColumn("_problem", problem);
    return new Read(checked.select(col("image_id"), col("roi_id_given"), col("x1"), col("y1"),
        col("x2"), col("y2"), col("score"), col("label"), col("angle"),
        col("_problem").getField("reason").as("reason"),
        col("_problem").getField("detail").as("detail"), col("_order")),
        names.contains("roi_id"));
  }

  /** The required columns, as strings: what an input without a single record reads as. */
  private static final StructType EMPTY_SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType).add("x1", DataTypes.StringType)
      .add("y1", DataTypes.StringType).add("x2", DataTypes.StringType)
      .add("y2", DataTypes.StringType);

  /**
   * Spark's reader on the input's files (see {@link InputFiles#readerPaths}). Parquet files are
   * checked for their magic numbers first. Columns whose names differ only in case (a JSON record
   * with {@code "X1"} next to others with {@code "x1"}) are an error naming both spellings and a
   * file holding the odd one: Spark resolves column names case-insensitively, so it cannot keep
   * both, and reading case-sensitively instead would silently make that record's {@code X1} an
   * unknown column and its box "x1 is missing", or pool it from a value the user did not mean;
   * an error loses nothing and says exactly what to fix.
   */
  private static Dataset<Row> readRaw(SparkSession spark, String path, String format,
      InputFiles files, Configuration conf) {
    if (format.equals("parquet")) {
      files.checkParquetMagic(conf);
    }
    String[] paths = files.readerPaths();
    DataFrameReader reader = spark.read();
    if (files.basePath() != null) {
      reader = reader.option("basePath", files.basePath());
    }
    try {
      return switch (format) {
        case "csv" -> reader.option("header", "true").option("mode", "PERMISSIVE")
            .option("inferSchema", "false").csv(paths);
        case "json" -> reader.option("primitivesAsString", "true").option("mode", "PERMISSIVE")
            .json(paths);
        case "parquet" -> files.basePath() == null ? ParquetInputs.read(spark, path)
            : reader.parquet(paths);
        case "coco" -> CocoResults.read(spark, files.files());
        default -> throw new IllegalArgumentException("option proposals.format must be parquet | csv "
            + "| json | coco | auto, got '" + format + "'");
      };
    } catch (Exception e) { // AnalysisException is checked, and thrown undeclared
      if (e instanceof SparkThrowable st && "COLUMN_ALREADY_EXISTS".equals(st.getCondition())) {
        throw new InputException(caseClash(spark, path, format, paths, files.basePath()),
            e);
      }
      throw InputErrors.rethrow(e);
    }
  }

  /** The message for columns that differ only in case, naming every spelling and a file of each. */
  private static String caseClash(SparkSession spark, String path, String format, String[] paths,
      String basePath) {
    String base = "proposals at " + path + " have columns whose names differ only in case";
    try {
      // A session of its own, so that the case-sensitive setting touches nothing else.
      SparkSession sensitive = spark.newSession();
      sensitive.conf().set("spark.sql.caseSensitive", "true");
      DataFrameReader reader = sensitive.read();
      if (basePath != null) {
        reader = reader.option("basePath", basePath);
      }
      Dataset<Row> all = format.equals("json") ? reader.option("primitivesAsString", "true").json(paths)
          : format.equals("csv") ? reader.option("header", "true").csv(paths) : reader.parquet(paths);
      Map<String, List<String>> byLower = new TreeMap<>();
      for (String c : all.columns()) {
        byLower.computeIfAbsent(c.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(c);
      }
      List<String> parts = new ArrayList<>();
      for (List<String> spellings : byLower.values()) {
        if (spellings.size() < 2) {
          continue;
        }
        List<String> named = new ArrayList<>();
        for (String c : spellings) {
          List<Row> first = all.filter(col("`" + c + "`").isNotNull())
              .select(functions.input_file_name()).limit(1).collectAsList();
          named.add("\"" + c + "\"" + (first.isEmpty() ? "" : " (e.g. in " + first.get(0).getString(0)
              + ")"));
        }
        parts.add(String.join(" vs ", named));
      }
      return base + ": " + String.join("; ", parts) + "; spell each column one way (lower case: "
          + "image_id, x1, y1, x2, y2, score, label, angle, roi_id)";
    } catch (Exception e) {
      return base + " (" + InputErrors.oneLine(e) + "); spell each column one way (lower case)";
    }
  }

  /**
   * The smallest double that becomes infinite as a float32: 2^128 − 2^103, halfway between
   * {@link Float#MAX_VALUE} (2^128 − 2^104) and 2^128; the tie rounds to even, which is 2^128
   * (MAX_VALUE's significand is odd). Every double below it in magnitude is a finite float32.
   *
   * <p>Values are read as doubles and become floats in the tasks ({@code (float)} rounds to nearest).
   * The check used to compare with {@code Float.MAX_VALUE} itself (2^128 − 2^104 exactly), which
   * refused the text {@code 3.4028235e38}: that is how Java prints MAX_VALUE, but as a double it is
   * a little above MAX_VALUE's exact value (while still rounding to it as a float), so the largest
   * float could not round-trip through a CSV or JSON file.
   */
  static final double FLOAT32_OVERFLOW = 0x1.ffffffp127;

  /** NaN, or so large that it rounds to an infinite float32 (infinities included). */
  private static Column notFloat32(Column value) {
    return functions.isnan(value).or(functions.abs(value).geq(lit(FLOAT32_OVERFLOW)));
  }

  private static Column optional(List<String> names, String column) {
    return names.contains(column) ? col(column) : lit(null).cast("string");
  }
}
