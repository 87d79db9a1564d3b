package org.roifeatures.spark.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.MultiScaleRoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.ExpectedOutput;
import org.roifeatures.spark.InputRecords;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * A real Spark standalone cluster on loopback — one master and two workers started from Spark's own
 * jars — running the fat jar submitted with {@code SparkSubmit --master spark://127.0.0.1:PORT}. The
 * local-mode output must equal the inputs pooled by core-ops, and the cluster's output must equal it
 * row for row (same keys, none twice, every column), which proves the closures and broadcasts
 * serialise, every shipped class is registered with Kryo (registration is required), and nothing
 * depends on driver-local state. A second run halts an executor JVM mid-task (test-only fault
 * injector) and must still produce exactly the same rows. Every process started here is stopped,
 * also on failure.
 */
class StandaloneClusterIT extends SparkTestBase {

  private static Path dir;
  private static final List<Process> DAEMONS = new ArrayList<>();

  @BeforeAll
  static void dirs() throws Exception {
    dir = tempDir("cluster");
  }

  @AfterAll
  static void stopAll() throws Exception {
    try {
      for (Process p : DAEMONS) {
        SparkSubmitLauncher.killTree(p);
      }
      DAEMONS.clear();
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void clusterOutputEqualsLocalOutput() throws Exception {
    Path data = dir.resolve("data");
    SampleGenerator.generate(spark, data, new SampleGenerator.Spec(6, 3, 16, 10, 50, 320, 384, 21));
    String local = dir.resolve("local").toString();
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_json").toString(),
        JobOptions.OP, "multiscale_roi_align", JobOptions.OUTPUT_PATH, local);
    // The local output itself against the inputs (torchvision defaults: 7x7, adaptive, aligned=false).
    Map<String, Map<String, FeatureMap>> maps = InputRecords.npyMaps(data.resolve("maps_npy"));
    String[] levels = {"p3", "p4", "p5"};
    MultiScaleRoiAlign op = MultiScaleRoiAlign.torchvision(new double[] {1 / 8.0, 1 / 16.0, 1 / 32.0},
        RoiAlignParams.of(7, 7, 1, -1, false));
    ExpectedOutput.of(InputRecords.jsonLines(data.resolve("proposals_json")), p -> {
      FeatureMap[] m = new FeatureMap[levels.length];
      for (int l = 0; l < levels.length; l++) {
        m[l] = maps.get(p.imageId()).get(levels[l]);
      }
      float[] want = new float[op.rowLength(16)];
      int[] level = new int[1];
      op.forward(m, p.box(), 0, 1, want, 0, level, 0);
      return ExpectedOutput.Pooled.of(want, level[0] < 0 ? null : levels[level[0]]);
    }).assertMatches(spark.read().parquet(local).collectAsList(), "local output");

    int masterPort = freePort();
    String master = "spark://127.0.0.1:" + masterPort;
    Map<String, String> env = sparkHomeEnv();
    // The daemons log at INFO: the test reads worker registration and executor launches from it.
    Path daemonLog = dir.resolve("log4j2-daemons.properties");
    Files.writeString(daemonLog, String.join("\n", "rootLogger.level = info",
        "rootLogger.appenderRef.stdout.ref = console", "appender.console.type = Console",
        "appender.console.name = console", "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n"));
    String daemonLogging = "-Dlog4j2.configurationFile=" + daemonLog;
    DAEMONS.add(SparkSubmitLauncher.start(withArgs(
        SparkSubmitLauncher.javaCommand(List.of("-Xmx512m", daemonLogging),
            "org.apache.spark.deploy.master.Master"),
        "--host", "127.0.0.1", "--port", Integer.toString(masterPort), "--webui-port", "0"),
        SparkSubmitLauncher.logFile("cluster-master"), env));
    for (int w = 0; w < 2; w++) {
      Path workDir = dir.resolve("worker" + w);
      Files.createDirectories(workDir);
      DAEMONS.add(SparkSubmitLauncher.start(withArgs(
          SparkSubmitLauncher.javaCommand(List.of("-Xmx512m", daemonLogging),
              "org.apache.spark.deploy.worker.Worker"),
          "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0",
          "--work-dir", workDir.toString(), master),
          SparkSubmitLauncher.logFile("cluster-worker" + w), env));
    }
    awaitWorkers(2);

    String clustered = dir.resolve("cluster").toString();
    SparkSubmitLauncher.Result run = SparkSubmitLauncher.submit(List.of("-Xmx1g"),
        submitArgs(master), SparkSubmitLauncher.list("run",
            "--maps.path", data.resolve("maps_parquet").toString(),
            "--proposals.path", data.resolve("proposals_json").toString(),
            "--op", "multiscale_roi_align", "--partitions", "4", "--output.path", clustered),
        SparkSubmitLauncher.logFile("cluster-submit"), 900);
    assertEquals(0, run.exitCode(), SparkSubmitLauncher.tail(SparkSubmitLauncher.logFile("cluster-submit")));
    assertTrue(run.output().contains("RoIs written"), run.output());
    assertTrue(executorsRan(), "executors were launched by the workers (see "
        + SparkSubmitLauncher.logFile("cluster-worker0") + ")");

    Map<String, Row> want = byKey(spark.read().parquet(local).collectAsList());
    assertSameRows(want, clustered);

    // An executor JVM that dies mid-task (halted by the test-only fault injector): the master starts
    // a new one, Spark reruns what was lost, and the output is still exactly the local output.
    String survived = dir.resolve("survived").toString();
    SparkSubmitLauncher.Result killed = SparkSubmitLauncher.submit(List.of("-Xmx1g"),
        submitArgs(master), SparkSubmitLauncher.list("run",
            "--maps.path", data.resolve("maps_parquet").toString(),
            "--proposals.path", data.resolve("proposals_json").toString(),
            "--op", "multiscale_roi_align", "--partitions", "4", "--output.path", survived,
            "--testing.fail.partitions", "0", "--testing.fail.after.rows", "2",
            "--testing.fail.mode", "kill-executor"),
        SparkSubmitLauncher.logFile("cluster-submit-kill"), 900);
    assertEquals(0, killed.exitCode(),
        SparkSubmitLauncher.tail(SparkSubmitLauncher.logFile("cluster-submit-kill")));
    assertTrue(executorStderrContains("halting executor"), "an executor was halted mid-task");
    assertSameRows(want, survived);
  }

  /**
   * The output at {@code path} holds exactly the rows of {@code want}: the same key set, no key
   * twice, the same schema, and every column of every row equal (vectors byte for byte).
   */
  private static void assertSameRows(Map<String, Row> want, String path) {
    org.apache.spark.sql.Dataset<Row> df = spark.read().parquet(path);
    List<Row> got = df.collectAsList();
    java.util.Set<String> seen = new java.util.TreeSet<>();
    List<String> duplicated = new ArrayList<>();
    for (Row r : got) {
      if (!seen.add(key(r))) {
        duplicated.add(key(r));
      }
    }
    assertEquals(List.of(), duplicated, path + ": duplicated keys");
    assertEquals(new java.util.TreeSet<>(want.keySet()), seen, path + ": key set");
    assertEquals(want.values().iterator().next().schema(), df.schema(), path + ": schema");
    for (Row r : got) {
      Row w = want.get(key(r));
      for (String column : w.schema().fieldNames()) {
        Object a = w.getAs(column);
        Object b = r.getAs(column);
        if (a instanceof byte[] x) {
          assertArrayEquals(x, (byte[]) b, path + ": " + column + " of " + key(r));
        } else {
          assertEquals(a, b, path + ": " + column + " of " + key(r));
        }
      }
    }
  }

  private static List<String> submitArgs(String master) {
    return SparkSubmitLauncher.list("--master", master, "--deploy-mode", "client",
        "--properties-file", SparkSubmitLauncher.projectRoot().resolve("conf/spark-defaults.conf")
            .toString(),
        "--conf", "spark.kryo.registrationRequired=true", "--conf", "spark.ui.enabled=false",
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--executor-memory", "768m", "--total-executor-cores", "2",
        "--conf", "spark.executor.cores=1", "--conf", "spark.sql.shuffle.partitions=4");
  }

  /** True when some executor's stderr (in a worker's work dir) contains {@code text}. */
  private static boolean executorStderrContains(String text) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
        if (Files.readString(f).contains(text)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> withArgs(List<String> cmd, String... args) {
    List<String> out = new ArrayList<>(cmd);
    out.addAll(List.of(args));
    return out;
  }

  /**
   * Workers launch executors with Spark's launcher, which takes its class path from
   * {@code $SPARK_HOME/jars}: build one from the jars of the local Maven repository.
   */
  private static Map<String, String> sparkHomeEnv() throws IOException {
    Path home = dir.resolve("spark-home");
    Path jars = home.resolve("jars");
    Files.createDirectories(jars);
    Files.createDirectories(home.resolve("conf"));
    String cp = Files.readString(SparkSubmitLauncher.projectRoot()
        .resolve("spark-job/target/spark-classpath.txt")).trim();
    for (String jar : cp.split(java.io.File.pathSeparator)) {
      Path src = Path.of(jar);
      Path link = jars.resolve(src.getFileName());
      if (!Files.exists(link)) {
        Files.createSymbolicLink(link, src);
      }
    }
    Map<String, String> env = new HashMap<>();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    return env;
  }

  private static void awaitWorkers(int n) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      String log = Files.readString(SparkSubmitLauncher.logFile("cluster-master"));
      int registered = log.split("Registering worker", -1).length - 1;
      if (registered >= n) {
        return;
      }
      for (Process p : DAEMONS) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a Spark daemon exited: "
              + SparkSubmitLauncher.tail(SparkSubmitLauncher.logFile("cluster-master")));
        }
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("workers did not register in 120 s:\n"
        + SparkSubmitLauncher.tail(SparkSubmitLauncher.logFile("cluster-master")));
  }

  private static boolean executorsRan() throws IOException {
    for (int w = 0; w < 2; w++) {
      if (Files.readString(SparkSubmitLauncher.logFile("cluster-worker" + w))
          .contains("launch executor")) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Map<String, Row> byKey(List<Row> rows) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : rows) {
      m.put(key(r), r);
    }
    return m;
  }

  private static String key(Row r) {
    return r.getAs("image_id") + "/" + r.getAs("roi_id");
  }
}
