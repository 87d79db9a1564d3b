package org.roifeatures.spark.cli;

import org.roifeatures.spark.JobSummary;
import org.roifeatures.spark.RoiFeaturesJob;
import org.roifeatures.spark.RoiFeaturesKryoRegistrator;
import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.roifeatures.spark.api.RoiFeatures;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Command-line entry point ({@code spark-submit --class org.roifeatures.spark.cli.RoiFeaturesCli}).
 * Parses arguments, builds the session (the master comes from spark-submit, or {@code --master} for
 * plain {@code java} runs; it is never hard-coded) and calls the job.
 */
public final class RoiFeaturesCli {

  static final String USAGE = String.join("\n",
      "usage: roi-features <command> [options]",
      "",
      "commands:",
      "  run              pool RoIs from feature maps and proposals, write Parquet",
      "  generate-sample  write a synthetic data set in every input format",
      "  demo             generate-sample (if absent) + run on it, in local mode unless --master given",
      "  inspect PATH...  show an output's schema, vector metadata, row count and a few rows;",
      "                   --rows N rows shown (3), --export-npy DIR writes features.npy, rows.json,",
      "                   metadata.json (or rejects.json for a rejects output), --export-rows N (20000);",
      "                   with several paths, each is exported to DIR/<last path component>",
      "  (bin/roi-features bench runs the job benchmark from the bench module: not in this jar)",
      "  help             this text",
      "",
      "common options:",
      "  --config FILE          properties file with any of the run options (default: none)",
      "  --master URL           Spark master for plain java runs (spark-submit sets its own)",
      "  --set key=value        any run option, alternative to --key value",
      "",
      "run options (command line > --config file > spark.roifeatures.<key> > default):");

  static final String SAMPLE_USAGE = String.join("\n",
      "generate-sample / demo options:",
      "  --out DIR              where to write (default: sample-data)",
      "  --images N             images (default 50)",
      "  --levels N             FPN levels, 1..5 (default 3: p3,p4,p5)",
      "  --channels N           channels per map (default 256)",
      "  --min-rois N --max-rois N   proposals per image (default 300..1000)",
      "  --image-size HxW       image size in pixels (default 384x512)",
      "  --seed N               random seed (default 7)",
      "  --format F             demo: which map format to run on: parquet | arrow | npy (default parquet)",
      "",
      "inspect options:",
      "  --rows N               rows to print (default 3)",
      "  --export-npy DIR       also export rows (features.npy, rows.json, metadata.json)",
      "  --export-rows N        rows to export at most (default 20000)");

  private RoiFeaturesCli() {}

  public static void main(String[] args) throws Exception {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs a command; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
      out.println(USAGE);
      out.print(JobOptions.help());
      out.println();
      out.println(SAMPLE_USAGE);
      return 0;
    }
    String command = args[0];
    Args a;
    try {
      a = Args.parse(command, args, 1);
    } catch (IllegalArgumentException e) {
      err.println("roi-features: " + e.getMessage());
      return 2;
    }
    try {
      switch (command) {
        case "run" -> {
          // Resolved (and so validated) before Spark starts: a bad option costs no session. The
          // spark.roifeatures.* settings are those spark-submit passes as system properties.
          JobConfig cfg = JobConfig.resolve(a.options,
              a.configFile == null ? Map.of() : JobConfig.readFile(a.configFile),
              JobConfig.sparkSettings(new SparkConf()));
          try (SparkSession spark = session(a)) {
            JobSummary summary = RoiFeatures.on(spark, cfg).run();
            out.print(summary.table());
          }
          return 0;
        }
        case "generate-sample" -> {
          try (SparkSession spark = session(a)) {
            generate(spark, a, out);
          }
          return 0;
        }
        case "demo" -> {
          return demo(a, out);
        }
        case "inspect" -> {
          if (a.positional.isEmpty()) {
            err.println("roi-features inspect: give the output path(s)");
            return 2;
          }
          try (SparkSession spark = session(a)) {
            Inspect.printAll(spark, a.positional, Integer.parseInt(a.sample.getOrDefault("rows", "3")),
                a.sample.get("export-npy"), Integer.parseInt(a.sample.getOrDefault("export-rows",
                    "" + Inspect.DEFAULT_EXPORT_ROWS)), out);
          }
          return 0;
        }
        default -> {
          err.println("roi-features: unknown command '" + command + "'\n\n" + USAGE);
          return 2;
        }
      }
    } catch (IllegalArgumentException e) {
      err.println("roi-features " + command + ": " + e.getMessage());
      return RoiFeaturesJob.exitCode(e);
    } catch (RoiFeaturesJob.RejectsFoundException e) {
      err.println(e.getMessage());
      return 3;
    } catch (Exception e) { // Spark throws checked exceptions (SparkException) undeclared
      // Anything else is a fault of the job or its environment, not of the user's input: one line
      // here, the stack trace only on request (Spark's log has the task-side details).
      err.println("roi-features " + command + ": failed: " + org.roifeatures.spark.output.OutputPaths.oneLineMessage(e));
      if (System.getenv("ROI_FEATURES_DEBUG") != null) {
        e.printStackTrace(err);
      } else {
        err.println("(set ROI_FEATURES_DEBUG=1 for the stack trace)");
      }
      return 1;
    }
  }

  private static int demo(Args a, PrintStream out) throws Exception {
    Path dir = Paths.get(a.sample.getOrDefault("out", "sample-data"));
    String format = a.sample.getOrDefault("format", "parquet");
    try (SparkSession spark = session(a)) {
      if (!Files.exists(dir.resolve("maps_parquet"))) {
        generate(spark, a, out);
      } else {
        out.println("using existing sample data in " + dir.toAbsolutePath());
      }
      Map<String, String> options = new LinkedHashMap<>();
      options.put(JobOptions.MAPS_PATH, dir.resolve("maps_" + format).toString());
      options.put(JobOptions.PROPOSALS_PATH, dir.resolve("proposals_parquet").toString());
      options.put(JobOptions.PROPOSALS_FORMAT, "parquet");
      options.put(JobOptions.OP, "multiscale_roi_align");
      options.put(JobOptions.OUTPUT_PATH, dir.resolve("output/features").toString());
      options.put(JobOptions.REJECTS_PATH, dir.resolve("output/rejects").toString());
      options.put(JobOptions.SAVE_MODE, "overwrite");
      options.putAll(a.options);
      JobConfig cfg = JobConfig.resolve(options,
          a.configFile == null ? Map.of() : JobConfig.readFile(a.configFile), JobConfig.sparkSettings(spark.sparkContext().getConf()));
      out.println("running " + cfg.get(JobOptions.OP) + " on " + cfg.get(JobOptions.MAPS_PATH));
      JobSummary summary = RoiFeatures.on(spark, cfg).run();
      out.print(summary.table());
      out.println("inspect it with: bin/roi-features inspect " + summary.outputPath());
    }
    return 0;
  }

  private static void generate(SparkSession spark, Args a, PrintStream out) throws Exception {
    SampleGenerator.Spec d = SampleGenerator.Spec.defaults();
    String sizeText = a.sample.getOrDefault("image-size", d.imageHeight() + "x" + d.imageWidth());
    String[] size = sizeText.split("x", -1);
    if (size.length != 2) {
      throw new IllegalArgumentException("option --image-size must be HxW, got '" + sizeText + "'");
    }
    SampleGenerator.Spec spec = new SampleGenerator.Spec(
        intOption(a, "images", d.images()),
        intOption(a, "levels", d.levels()),
        intOption(a, "channels", d.channels()),
        intOption(a, "min-rois", d.minRois()),
        intOption(a, "max-rois", d.maxRois()),
        number("image-size", size[0]).intValue(), number("image-size", size[1]).intValue(),
        number("seed", a.sample.getOrDefault("seed", "" + d.seed())));
    Path dir = Paths.get(a.sample.getOrDefault("out", "sample-data"));
    out.println("generating " + spec + " into " + dir.toAbsolutePath());
    long n = SampleGenerator.generate(spark, dir, spec);
    out.println("wrote " + spec.images() + " images, " + n + " proposals: maps_parquet/, maps_arrow/, "
        + "maps_npy/, proposals_parquet/, proposals_csv/, proposals_json/");
  }

  /** A sample option as an int, or {@code dflt}; a bad number is an error naming the option. */
  private static int intOption(Args a, String key, int dflt) {
    String v = a.sample.get(key);
    if (v == null) {
      return dflt;
    }
    long n = number(key, v);
    if (n != (int) n) {
      throw new IllegalArgumentException("option --" + key + " is out of range: " + v);
    }
    return (int) n;
  }

  private static Long number(String key, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option --" + key + " needs a whole number, got '" + value
          + "'");
    }
  }

  static SparkSession session(Args a) {
    return session(a.master);
  }

  /**
   * The session for a command: the master from spark-submit, else {@code master}, else local mode
   * on all cores; Kryo registered. Public for the benchmark launcher in the bench module.
   */
  public static SparkSession session(String master) {
    SparkConf conf = new SparkConf();
    conf.setIfMissing("spark.app.name", "roi-features");
    RoiFeaturesKryoRegistrator.sparkSettings().forEach(conf::setIfMissing);
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      // Plain `java` without spark-submit and without --master: local mode on all cores.
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /** Parsed command line: job options, sample options, --config, --master, positional args. */
  static final class Args {
    final Map<String, String> options = new LinkedHashMap<>();
    final Map<String, String> sample = new LinkedHashMap<>();
    final List<String> positional = new java.util.ArrayList<>();
    Path configFile;
    String master;

    static final List<String> SAMPLE_KEYS = List.of("out", "images", "levels", "channels",
        "min-rois", "max-rois", "image-size", "seed", "format", "rows", "export-npy", "export-rows");

    /**
     * Options that mean something else for these commands than the run option of the same name:
     * {@code generate-sample --levels 4} (and {@code demo}, which generates) is the number of FPN
     * levels to write, not the multiscale op's list of levels ({@code --set levels=p3,p4} still sets
     * the run option).
     */
    static final Map<String, List<String>> COMMAND_SAMPLE_KEYS = Map.of(
        "generate-sample", List.of("levels"), "demo", List.of("levels"));

    static Args parse(String[] args, int from) {
      return parse("", args, from);
    }

    /**
     * Parses {@code args[from..]} for {@code command}. An option takes the next argument as its
     * value unless that starts with {@code --} (then the value is missing: {@code --op --pooled.height
     * 7} is an error, not op "--pooled.height"); a value starting with a single '-', such as
     * {@code --canonical.level -1}, is a value. {@code --key=value} takes any value.
     */
    static Args parse(String command, String[] args, int from) {
      Args a = new Args();
      List<String> commandSampleKeys = COMMAND_SAMPLE_KEYS.getOrDefault(command, List.of());
      Map<String, JobOptions.Option> known = JobOptions.byKey();
      for (int i = from; i < args.length; i++) {
        String arg = args[i];
        if (!arg.startsWith("--")) {
          a.positional.add(arg);
          continue;
        }
        String key = arg.substring(2);
        String value;
        int eq = key.indexOf('=');
        if (eq >= 0) {
          value = key.substring(eq + 1);
          key = key.substring(0, eq);
        } else {
          if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new IllegalArgumentException("option --" + key + " needs a value");
          }
          value = args[++i];
        }
        if (key.equals("summary-json")) {
          key = JobOptions.SUMMARY_JSON; // the spelling orchestrators expect
        }
        switch (key) {
          case "config" -> a.configFile = Paths.get(value);
          case "master" -> a.master = value;
          case "set" -> {
            int e = value.indexOf('=');
            if (e < 0) {
              throw new IllegalArgumentException("--set needs key=value, got '" + value + "'");
            }
            String k = value.substring(0, e);
            if (!known.containsKey(k)) {
              throw new IllegalArgumentException("unknown option '" + k + "'; see --help");
            }
            a.options.put(k, value.substring(e + 1));
          }
          default -> {
            if (commandSampleKeys.contains(key)) {
              a.sample.put(key, value);
            } else if (known.containsKey(key)) {
              a.options.put(key, value);
            } else if (SAMPLE_KEYS.contains(key)) {
              a.sample.put(key, value);
            } else {
              throw new IllegalArgumentException("unknown option --" + key + "; see --help");
            }
          }
        }
      }
      return a;
    }
  }
}
