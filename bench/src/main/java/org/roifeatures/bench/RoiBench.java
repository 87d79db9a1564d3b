package org.roifeatures.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Entry point of {@code benchmarks.jar}: runs JMH with the usual command line, then prints RoIs per
 * second per benchmark and, when {@code <data>/tv.txt} holds {@code tv_bench.py}'s printed lines from
 * the same machine, the ratio to torchvision.
 */
public final class RoiBench {

  private RoiBench() {}

  public static void main(String[] args) throws Exception {
    CommandLineOptions options = new CommandLineOptions(args);
    if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
        || options.shouldListProfilers() || options.shouldListResultFormats()) {
      org.openjdk.jmh.Main.main(args);
      return;
    }
    Collection<RunResult> results = new Runner(options).run();
    System.out.println();
    System.out.printf("%-28s %-4s %-8s %10s %10s %8s%n", "case", "lay", "kernels", "ms/image",
        "RoIs/s", "x tv");
    for (RunResult r : results) {
      Map<String, String> p = new HashMap<>();
      for (String key : r.getParams().getParamsKeys()) {
        p.put(key, r.getParams().getParam(key));
      }
      if (p.get("workload") == null) {
        continue; // not an operator benchmark (e.g. HalfPrecision*): JMH's table above has it
      }
      BenchCase workload = BenchCase.valueOf(p.get("workload"));
      double ms = r.getPrimaryResult().getScore();
      double roisPerSecond = workload.rois() * 1000.0 / ms;
      Double tv = torchvision(p.get("data")).get(workload.name());
      String bench = r.getParams().getBenchmark();
      String kernels = bench.contains("Vector") ? "vector" : "scalar";
      System.out.printf("%-28s %-4s %-8s %10.2f %10.0f %8s%n", workload, p.get("layout"), kernels,
          ms, roisPerSecond, tv == null ? "-" : String.format("%.1f", roisPerSecond / tv));
    }
    System.out.println("JVM: " + System.getProperty("java.vm.name") + " "
        + System.getProperty("java.version") + " (forks use the same java unless -jvm is given)");
  }

  /** torchvision's RoIs/s per case from {@code <data>/tv.txt} (tv_bench.py's output), if present. */
  static Map<String, Double> torchvision(String data) throws IOException {
    Map<String, Double> out = new HashMap<>();
    if (data == null) {
      return out;
    }
    Path file = Paths.get(data, "tv.txt");
    if (!Files.isRegularFile(file)) {
      return out;
    }
    for (String line : Files.readAllLines(file)) {
      String[] fields = line.split("\t");
      for (String f : fields) {
        if (fields.length > 1 && f.startsWith("rois_per_s=")) {
          out.put(fields[0], Double.parseDouble(f.substring("rois_per_s=".length())));
        }
      }
    }
    return out;
  }
}
