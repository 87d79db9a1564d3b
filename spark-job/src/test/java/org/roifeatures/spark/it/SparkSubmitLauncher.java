package org.roifeatures.spark.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Launches the fat jar the way users do: a separate JVM running Spark's own
 * {@code org.apache.spark.deploy.SparkSubmit} with Spark's jars (from the local Maven repository, as
 * listed by the build in {@code target/spark-classpath.txt}) on the class path and the project's code
 * only in the fat jar. Output goes to a log file that failures quote.
 */
final class SparkSubmitLauncher {

  /** Exit code and console output of one launch. */
  record Result(int exitCode, String output) {}

  private SparkSubmitLauncher() {}

  static Path projectRoot() {
    return Path.of(System.getProperty("roifeatures.projectRoot", "..")).toAbsolutePath().normalize();
  }

  static Path fatJar() throws IOException {
    Path target = projectRoot().resolve("spark-job/target");
    try (Stream<Path> s = Files.list(target)) {
      return s.filter(p -> p.getFileName().toString().matches("spark-job-.*-all\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no fat jar in " + target
              + "; integration tests run after `mvn package` (use mvn verify)"));
    }
  }

  /** Where a launch's console output is kept (outside the test's temporary data, for post-mortems). */
  static Path logFile(String name) {
    return projectRoot().resolve("spark-job/target/it-logs").resolve(name + ".log");
  }

  /** JVM options from conf/java-opts (Spark's --add-opens list and the Vector API module). */
  static List<String> javaOpts() throws IOException {
    List<String> opts = new ArrayList<>();
    for (String line : Files.readAllLines(projectRoot().resolve("conf/java-opts"))) {
      String t = line.trim();
      if (!t.isEmpty() && !t.startsWith("#")) {
        opts.add(t);
      }
    }
    return opts;
  }

  /**
   * Runs {@code java <jvmArgs> SparkSubmit <submitArgs> <fat jar> <appArgs>} and waits at most
   * {@code timeoutSeconds}; the process is killed on time-out.
   */
  static Result submit(List<String> jvmArgs, List<String> submitArgs, List<String> appArgs,
      Path log, long timeoutSeconds) throws IOException, InterruptedException {
    List<String> cmd = javaCommand(jvmArgs, "org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(submitArgs);
    cmd.add("--class");
    cmd.add("org.roifeatures.spark.cli.RoiFeaturesCli");
    cmd.add(fatJar().toString());
    cmd.addAll(appArgs);
    Process p = start(cmd, log, Map.of());
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      killTree(p);
      throw new IllegalStateException("spark-submit did not finish in " + timeoutSeconds + " s; log "
          + log + ":\n" + tail(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  /** {@code java <opts> <jvmArgs> -cp <Spark's jars> mainClass}, ready for arguments. */
  static List<String> javaCommand(List<String> jvmArgs, String mainClass) throws IOException {
    String classpath = Files.readString(projectRoot().resolve("spark-job/target/spark-classpath.txt"))
        .trim();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOpts());
    // The project's logging config first, so that jvmArgs can override it.
    cmd.add("-Dlog4j2.configurationFile=" + projectRoot().resolve("conf/log4j2.properties"));
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    return cmd;
  }

  /** Starts {@code cmd} with its output appended to {@code log} (first line: the command). */
  static Process start(List<String> cmd, Path log, Map<String, String> env) throws IOException {
    Files.createDirectories(log.getParent());
    Files.writeString(log, String.join(" ", cmd).replaceAll("-cp \\S+", "-cp <spark classpath>")
        + "\n");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().remove("SPARK_HOME");
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Kills a process and everything it started (a worker's executors, for instance). */
  static void killTree(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** The last lines of a log, for assertion messages. */
  static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  static List<String> list(String... s) {
    return Arrays.asList(s);
  }
}
