package org.roifeatures.spark.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * COCO detection results as proposals: a JSON array of {@code {"image_id": 139, "category_id": 1,
 * "bbox": [x, y, w, h], "score": 0.98}} objects, as {@code pycocotools} loads them and as detectors'
 * evaluation scripts write them. {@code category_id} becomes {@code label}; the box stays
 * {@code x, y, w, h} text for {@link Proposals} to convert (xywh, float32) and check like any other.
 * A record may also carry the image sizes that {@code proposals.box.resize} needs ({@code
 * image_width, image_height, input_width, input_height}: numbers, extra keys of the record, which
 * COCO tools ignore); every other key is skipped.
 *
 * <p>One file is one array, often hundreds of MB: each file is read by one task with a streaming
 * parser that hands out one record at a time, so neither the driver nor a task ever holds a file's
 * array. A record the job cannot use (not an object, bbox not four numbers, a non-integer id) is a
 * row carrying its problem in {@code _corrupt_record} (a BAD_RECORD reject naming the field); a
 * syntax error ends its file's records there (JSON cannot be resynchronised) with one such row
 * naming the line and column.
 */
public final class CocoResults {

  /** What a record reads as; every value as text, typed and checked by {@link Proposals}. */
  public static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType)
      .add("label", DataTypes.StringType)
      .add("score", DataTypes.StringType)
      .add("x", DataTypes.StringType)
      .add("y", DataTypes.StringType)
      .add("w", DataTypes.StringType)
      .add("h", DataTypes.StringType)
      .add("image_width", DataTypes.StringType)
      .add("image_height", DataTypes.StringType)
      .add("input_width", DataTypes.StringType)
      .add("input_height", DataTypes.StringType)
      .add("_corrupt_record", DataTypes.StringType);

  /** The optional size keys of a record, in {@link #SCHEMA} order. */
  private static final List<String> SIZES = List.of("image_width", "image_height", "input_width",
      "input_height");

  private static final int PEEK = 4096;

  private CocoResults() {}

  /**
   * Whether the file's first character other than white space (and a UTF-8 byte order mark) is
   * {@code [}: a JSON array, not JSON lines (whose records are objects).
   */
  public static boolean startsWithArray(Configuration conf, Path file) {
    try (InputStream in = open(conf, file)) {
      byte[] head = in.readNBytes(PEEK);
      int i = head.length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb
          && (head[2] & 0xff) == 0xbf ? 3 : 0;
      while (i < head.length && Character.isWhitespace(head[i])) {
        i++;
      }
      return i < head.length && head[i] == '[';
    } catch (IOException e) {
      return false;
    }
  }

  /** The records of {@code files}, one Spark partition (task) per file, in file and array order. */
  public static Dataset<Row> read(SparkSession spark, List<FileStatus> files) {
    List<String> paths = new ArrayList<>();
    for (FileStatus f : files) {
      paths.add(f.getPath().toString());
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows = jsc.parallelize(paths, Math.max(1, paths.size()))
        .mapPartitions(it -> new Records(new Configuration(), it));
    return spark.createDataFrame(rows, SCHEMA);
  }

  private static InputStream open(Configuration conf, Path p) throws IOException {
    InputStream raw = p.getFileSystem(conf).open(p);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
    return codec == null ? raw : codec.createInputStream(raw);
  }

  /** Streams the records of a partition's files, one parser open at a time. */
  static final class Records implements Iterator<Row> {
    private static final JsonFactory JSON = new JsonFactory();

    private final Configuration conf;
    private final Iterator<String> files;
    private JsonParser parser;
    private String file;
    private long index;
    private Row next;

    Records(Configuration conf, Iterator<String> files) {
      this.conf = conf;
      this.files = files;
      TaskContext task = TaskContext.get();
      if (task != null) {
        TaskCompletionListener close = ctx -> closeParser();
        task.addTaskCompletionListener(close);
      }
    }

    @Override
    public boolean hasNext() {
      try {
        while (next == null) {
          if (parser == null) {
            if (!files.hasNext()) {
              return false;
            }
            openNext(files.next());
            continue;
          }
          next = advance();
        }
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read COCO results file " + file + ": "
            + e.getMessage(), e);
      }
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Row r = next;
      next = null;
      return r;
    }

    private void openNext(String path) throws IOException {
      file = path;
      index = 0;
      parser = JSON.createParser(open(conf, new Path(path)));
      JsonToken first;
      try {
        first = parser.nextToken();
      } catch (JsonProcessingException e) {
        next = syntaxError(e);
        closeParser();
        return;
      }
      if (first == null) {
        closeParser(); // an empty file: no records
      } else if (first != JsonToken.START_ARRAY) {
        next = problem(null, "a COCO results file is a JSON array of objects; " + file
            + " starts with " + (first.isScalarValue() ? parser.getText() : first.asString()));
        closeParser();
      }
    }

    /** The next record of the open file, or null when the file ended (parser closed). */
    private Row advance() throws IOException {
      JsonToken t;
      try {
        t = parser.nextToken();
        if (t == JsonToken.END_ARRAY || t == null) {
          closeParser();
          return null;
        }
        long record = index++;
        if (t != JsonToken.START_OBJECT) {
          String found = t.isScalarValue() ? parser.getText() : t.asString() + "...";
          parser.skipChildren();
          return problem(null, "record " + record + " is " + found + ", not an object (" + file
              + ")");
        }
        return record(record);
      } catch (JsonProcessingException e) {
        Row r = syntaxError(e);
        closeParser();
        return r;
      }
    }

    private Row record(long record) throws IOException {
      String imageId = null;
      String label = null;
      String score = null;
      String[] box = null;
      String[] sizes = new String[SIZES.size()];
      String problem = null;
      boolean sawBox = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken v = parser.nextToken();
        String found = v.isScalarValue() ? parser.getText() : v == JsonToken.START_ARRAY ? "[...]"
            : "{...}";
        switch (name) {
          case "image_id" -> {
            if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_STRING) {
              imageId = parser.getText();
            } else {
              problem = first(problem, "image_id " + found + " is not an integer or string");
            }
          }
          case "category_id" -> {
            if (v == JsonToken.VALUE_NUMBER_INT) {
              label = parser.getText();
            } else if (v != JsonToken.VALUE_NULL) {
              problem = first(problem, "category_id " + found + " is not an integer");
            }
          }
          case "score" -> {
            if (v.isNumeric()) {
              score = parser.getText();
            } else if (v != JsonToken.VALUE_NULL) {
              problem = first(problem, "score " + found + " is not a number");
            }
          }
          case "bbox" -> {
            sawBox = true;
            box = bbox(v);
            if (box == null) {
              problem = first(problem, "bbox " + found + " is not [x, y, w, h] (4 numbers)");
            }
          }
          default -> {
            int size = SIZES.indexOf(name);
            if (size >= 0 && v.isNumeric()) {
              sizes[size] = parser.getText();
            } else if (size >= 0 && v != JsonToken.VALUE_NULL) {
              problem = first(problem, name + " " + found + " is not a number");
            }
          }
        }
        parser.skipChildren();
      }
      if (!sawBox) {
        problem = first(problem, "bbox is missing");
      }
      if (problem != null) {
        return problem(imageId, problem + " (record " + record + " of " + file + ")");
      }
      return RowFactory.create(imageId, label, score, box[0], box[1], box[2], box[3], sizes[0],
          sizes[1], sizes[2], sizes[3], null);
    }

    /** The four numbers of a bbox array (texts), or null (the array is skipped either way). */
    private String[] bbox(JsonToken start) throws IOException {
      if (start != JsonToken.START_ARRAY) {
        return null;
      }
      List<String> values = new ArrayList<>(4);
      boolean numbers = true;
      JsonToken t;
      while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
        if (t.isNumeric() && values.size() < 4) {
          values.add(parser.getText());
        } else {
          numbers = false;
          parser.skipChildren();
        }
      }
      return numbers && values.size() == 4 ? values.toArray(new String[0]) : null;
    }

    private Row syntaxError(JsonProcessingException e) {
      var loc = e.getLocation();
      return problem(null, "malformed JSON at line " + (loc == null ? "?" : loc.getLineNr())
          + ", column " + (loc == null ? "?" : loc.getColumnNr()) + " of " + file + " ("
          + e.getOriginalMessage() + "); the rest of the file is not read");
    }

    private static Row problem(String imageId, String text) {
      return RowFactory.create(imageId, null, null, null, null, null, null, null, null, null, null,
          text);
    }

    private static String first(String existing, String next) {
      return existing != null ? existing : next;
    }

    private void closeParser() {
      if (parser != null) {
        try {
          parser.close();
        } catch (IOException ignored) {
          // A read-only stream; nothing to recover.
        }
        parser = null;
      }
    }
  }
}
