package org.roifeatures.spark.conf;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Resolved job configuration: every key of {@link JobOptions} with its value, taken from (highest
 * first) the command line, the config file, the Spark session conf {@code spark.roifeatures.<key>},
 * and the default. Every value is checked against its {@link JobOptions.Option} definition when
 * resolved, so a bad value fails before any data is read. Immutable. Typed getters throw
 * {@link IllegalArgumentException} naming the key and the bad value.
 */
public final class JobConfig implements Serializable {

  private static final long serialVersionUID = 1L;
  public static final String SPARK_PREFIX = "spark.roifeatures.";

  private final Map<String, String> values;

  private JobConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * Resolves all keys. {@code cli} and {@code file} may be empty; {@code sparkConf} is the session's
   * settings (may be empty). Unknown keys in {@code cli} or {@code file} are an error.
   */
  public static JobConfig resolve(Map<String, String> cli, Map<String, String> file,
      Map<String, String> sparkConf) {
    Map<String, JobOptions.Option> known = JobOptions.byKey();
    for (Map<String, String> source : java.util.List.of(cli, file)) {
      for (String k : source.keySet()) {
        if (!known.containsKey(k)) {
          throw new IllegalArgumentException("unknown option '" + k + "'; see --help");
        }
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (JobOptions.Option o : known.values()) {
      String v = cli.get(o.key());
      if (v == null) {
        v = file.get(o.key());
      }
      if (v == null) {
        v = sparkConf.get(SPARK_PREFIX + o.key());
      }
      if (v == null) {
        v = o.defaultValue();
      }
      if (v == null) {
        throw new IllegalArgumentException("missing required option --" + o.key() + " ("
            + o.doc() + ")");
      }
      v = v.trim();
      JobOptions.check(o.key(), v);
      out.put(o.key(), o.choices().isEmpty() ? v : v.toLowerCase(java.util.Locale.ROOT));
    }
    return new JobConfig(out);
  }

  /** The {@code spark.roifeatures.<key>} settings of a Spark conf: the third source of resolve. */
  public static Map<String, String> sparkSettings(org.apache.spark.SparkConf conf) {
    Map<String, String> m = new LinkedHashMap<>();
    for (scala.Tuple2<String, String> t : conf.getAll()) {
      if (t._1().startsWith(SPARK_PREFIX)) {
        m.put(t._1(), t._2());
      }
    }
    return m;
  }

  /** Builds a config from explicit key/values over the defaults (tests, programmatic use). */
  public static JobConfig of(Map<String, String> values) {
    return resolve(values, Map.of(), Map.of());
  }

  /** Reads a Java properties file (the format of {@code conf/roi-features.properties}). */
  public static Map<String, String> readFile(Path path) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(path)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : p.stringPropertyNames()) {
      out.put(k, p.getProperty(k));
    }
    return out;
  }

  public String get(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("unknown option '" + key + "'");
    }
    return v;
  }

  public int getInt(String key) {
    try {
      return Integer.parseInt(get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + key + " must be an integer, got '" + get(key) + "'");
    }
  }

  public double getDouble(String key) {
    try {
      return Double.parseDouble(get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + key + " must be a number, got '" + get(key) + "'");
    }
  }

  public boolean getBoolean(String key) {
    String v = get(key).toLowerCase(java.util.Locale.ROOT);
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new IllegalArgumentException("option " + key + " must be true or false, got '" + get(key) + "'");
  }

  /** A size option ({@link ByteSize}) in bytes. */
  public long getBytes(String key) {
    return parseBytes(key, get(key));
  }

  /** {@link #getBytes} of a given text; the exception names {@code key} and the text. */
  public static long parseBytes(String key, String text) {
    try {
      return ByteSize.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("option " + key + " " + e.getMessage());
    }
  }

  /** A choice option's value (validated against its definition when resolved), lower-case. */
  public String getChoice(String key) {
    return get(key);
  }

  /** All resolved values (for the run summary and the output metadata). */
  public Map<String, String> asMap() {
    return values;
  }

  /** A copy with some keys replaced. */
  public JobConfig with(Map<String, String> overrides) {
    return resolve(overrides, values, Map.of());
  }
}
