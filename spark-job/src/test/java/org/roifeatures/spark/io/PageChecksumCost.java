package org.roifeatures.spark.io;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * What verifying Parquet page CRCs costs the map reader: reads every map of the sample data's
 * {@code maps_parquet} the way tasks do (one {@link ParquetBlobReader} per file, rows in order),
 * alternately with and without verification, and prints the median wall and thread-CPU time of
 * each. CPU time is the figure to trust on a shared machine.
 *
 * <p>{@code PageChecksumCost [dir] [images] [repetitions]}: generates sample data in {@code dir}
 * (default target/crc-cost) unless its maps are already there.
 */
public final class PageChecksumCost {

  private PageChecksumCost() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/crc-cost");
    int images = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    Path maps = dir.resolve("maps_parquet");
    if (!Files.isDirectory(maps)) {
      SparkSession spark = SparkSession.builder().master("local[2]").appName("crc-cost")
          .config("spark.ui.enabled", "false").getOrCreate();
      SampleGenerator.Spec d = SampleGenerator.Spec.defaults();
      SampleGenerator.generate(spark, dir, new SampleGenerator.Spec(images, d.levels(),
          d.channels(), 1, 1, d.imageHeight(), d.imageWidth(), d.seed()), false);
      spark.stop();
    }
    List<String> files = new ArrayList<>();
    List<Long> rows = new ArrayList<>();
    Configuration conf = new Configuration();
    try (var listing = Files.list(maps)) {
      for (Path f : listing.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
        files.add(f.toString());
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
            new org.apache.hadoop.fs.Path(f.toString()), conf))) {
          rows.add(r.getRecordCount());
        }
      }
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[][] wall = new long[2][repetitions];
    long[][] cpu = new long[2][repetitions];
    long bytes = 0;
    for (int rep = -1; rep < repetitions; rep++) { // rep -1 warms up both paths
      for (int mode = 0; mode < 2; mode++) {
        boolean verify = mode == 1;
        long w0 = System.nanoTime();
        long c0 = threads.getCurrentThreadCpuTime();
        bytes = 0;
        for (int f = 0; f < files.size(); f++) {
          try (ParquetBlobReader reader = new ParquetBlobReader(conf, files.get(f), verify)) {
            for (long row = 0; row < rows.get(f); row++) {
              bytes += reader.read(row).remaining();
            }
          }
        }
        if (rep >= 0) {
          wall[mode][rep] = System.nanoTime() - w0;
          cpu[mode][rep] = threads.getCurrentThreadCpuTime() - c0;
        }
      }
    }
    System.out.printf("%d files, %d maps, %.1f MB of map data, %d repetitions (medians)%n",
        files.size(), rows.stream().mapToLong(Long::longValue).sum(), bytes / 1e6, repetitions);
    for (int mode = 0; mode < 2; mode++) {
      System.out.printf("verify=%-5s wall %8.1f ms  cpu %8.1f ms%n", mode == 1,
          median(wall[mode]) / 1e6, median(cpu[mode]) / 1e6);
    }
    System.out.printf("verification adds: wall %+.1f%%, cpu %+.1f%%%n",
        100.0 * (median(wall[1]) - median(wall[0])) / median(wall[0]),
        100.0 * (median(cpu[1]) - median(cpu[0])) / median(cpu[0]));
  }

  private static double median(long[] values) {
    long[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
  }
}
