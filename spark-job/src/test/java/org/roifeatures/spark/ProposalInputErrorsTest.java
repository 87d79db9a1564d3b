package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Proposal inputs that are wrong as a whole (a missing path, an unreadable file, clashing column
 * names) end the run with exit code 2 and one line naming the path, file or columns — never a stack
 * trace. Empty inputs are "no proposals", whatever their form.
 */
class ProposalInputErrorsTest extends SparkTestBase {

  private static final String HEADER = "image_id,x1,y1,x2,y2";
  private static final String ROWS = "img_0000,0,0,16,16\nimg_0000,4,4,20,28\nimg_0001,1,2,30,31\n";

  private static Path dir;
  private static Path maps;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("proposal-errors");
    // Two images, one level (p3), 4 channels of 4x4: only the maps are used.
    SampleGenerator.generate(spark, dir.resolve("sample"),
        new SampleGenerator.Spec(2, 1, 4, 1, 1, 32, 32, 3), false);
    maps = dir.resolve("sample/maps_parquet");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static CliRun run(Path proposals, String name, String... extra) throws Exception {
    String[] base = {"run", "--maps.path", maps.toString(), "--proposals.path", proposals.toString(),
        "--output.path", dir.resolve("out-" + name).toString()};
    String[] args = Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return CliRun.of(() -> restartSpark("local[2]"), args);
  }

  @Test
  void missingProposalsPathIsOneLineNamingIt() throws Exception {
    for (String name : new String[] {"nowhere.csv", "nowhere"}) {
      Path missing = dir.resolve(name);
      run(missing, "missing-" + name).assertInputError("proposals path " + missing + " does not exist");
    }
  }

  @Test
  void jsonColumnsDifferingOnlyInCaseAreOneLineNamingBothSpellings() throws Exception {
    Path p = dir.resolve("case.json");
    Files.writeString(p, String.join("\n",
        "{\"image_id\":\"img_0000\",\"x1\":0,\"y1\":0,\"x2\":16,\"y2\":16}",
        "{\"image_id\":\"img_0000\",\"X1\":4,\"y1\":4,\"x2\":20,\"y2\":28}", ""));
    run(p, "case").assertInputError(p.toString(), "x1", "X1");
  }

  @Test
  void truncatedGzipCsvAmongProposalFilesIsOneLineNamingTheFile() throws Exception {
    Path p = dir.resolve("gz");
    Files.createDirectories(p);
    Files.writeString(p.resolve("part-0.csv"), HEADER + "\n" + ROWS);
    StringBuilder many = new StringBuilder(HEADER + "\n");
    Random rnd = new Random(1);
    for (int i = 0; i < 20000; i++) {
      many.append("img_0001,").append(rnd.nextInt(8)).append(',').append(rnd.nextInt(8)).append(",16,")
          .append(16 + rnd.nextInt(8)).append('\n');
    }
    byte[] gz = gzip(many.toString());
    Files.write(p.resolve("part-1.csv.gz"), Arrays.copyOf(gz, gz.length / 2));
    run(p, "gz").assertInputError("part-1.csv.gz");
  }

  @Test
  void truncatedGzipCsvAsTheFirstFileIsOneLineNamingTheFile() throws Exception {
    // The first file is the one Spark reads the header from, on the driver.
    Path p = dir.resolve("gz-first");
    Files.createDirectories(p);
    byte[] gz = gzip(HEADER + "\n" + ROWS.repeat(2000));
    Files.write(p.resolve("a.csv.gz"), Arrays.copyOf(gz, 20));
    Files.writeString(p.resolve("b.csv"), HEADER + "\n" + ROWS);
    run(p, "gz-first").assertInputError("a.csv.gz");
  }

  @Test
  void garbageParquetAmongProposalFilesIsOneLineNamingTheFile() throws Exception {
    Path p = dir.resolve("pq");
    spark.read().option("header", "true").csv(writeCsv("pq-src.csv")).write()
        .parquet(p.toString());
    byte[] garbage = new byte[2048];
    new Random(2).nextBytes(garbage);
    Files.write(p.resolve("part-99999-garbage.parquet"), garbage);
    run(p, "pq").assertInputError("part-99999-garbage.parquet");
  }

  @Test
  void parquetWithMagicButCorruptFooterIsOneLineNamingTheFile() throws Exception {
    Path p = dir.resolve("pq-magic");
    spark.read().option("header", "true").csv(writeCsv("pq-magic-src.csv")).write()
        .parquet(p.toString());
    byte[] garbage = new byte[2048];
    new Random(3).nextBytes(garbage);
    byte[] magic = "PAR1".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, garbage, 0, 4);
    System.arraycopy(magic, 0, garbage, garbage.length - 4, 4);
    garbage[garbage.length - 8] = 100; // footer length 100, within the file
    garbage[garbage.length - 7] = 0;
    garbage[garbage.length - 6] = 0;
    garbage[garbage.length - 5] = 0;
    Files.write(p.resolve("part-99999-corrupt.parquet"), garbage);
    run(p, "pq-magic").assertInputError("part-99999-corrupt.parquet");
  }

  @Test
  void parquetFooterLengthBeyondTheFileIsOneLineNamingTheFile() throws Exception {
    Path p = dir.resolve("pq-footer");
    Files.createDirectories(p);
    byte[] bytes = new byte[64];
    byte[] magic = "PAR1".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, bytes, 0, 4);
    System.arraycopy(magic, 0, bytes, bytes.length - 4, 4);
    bytes[bytes.length - 5] = 0x7f; // footer length 0x7f...: 2 GB claimed by a 64-byte file
    Files.write(p.resolve("part-0.parquet"), bytes);
    run(p, "pq-footer").assertInputError("part-0.parquet", "not a Parquet file");
  }

  /**
   * Chosen behaviour: a 0-byte CSV (or JSON lines) file and a header-only CSV both hold no proposals:
   * the job succeeds, writes empty outputs and the summary says 0 proposals read.
   */
  @Test
  void zeroByteAndHeaderOnlyCsvAreBothNoProposals() throws Exception {
    Path empty = dir.resolve("empty.csv");
    Files.write(empty, new byte[0]);
    Path headerOnly = dir.resolve("header-only.csv");
    Files.writeString(headerOnly, HEADER + "\n");
    Path emptyJson = dir.resolve("empty.json");
    Files.write(emptyJson, new byte[0]);
    for (Path p : new Path[] {empty, headerOnly, emptyJson}) {
      CliRun r = run(p, "none-" + p.getFileName());
      assertEquals(0, r.code(), p + ": " + r.err());
      assertTrue(r.out().matches("(?s).*proposals read\\s+0\\n.*"), p + ": " + r.out());
      assertEquals(0, spark.read().parquet(dir.resolve("out-none-" + p.getFileName()).toString())
          .count());
    }
  }

  @Test
  void zeroByteCsvAmongOtherFilesIsJustEmpty() throws Exception {
    Path p = dir.resolve("some-empty");
    Files.createDirectories(p);
    Files.write(p.resolve("a.csv"), new byte[0]);
    Files.writeString(p.resolve("b.csv"), HEADER + "\n" + ROWS);
    CliRun r = run(p, "some-empty");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().matches("(?s).*proposals read\\s+3\\n.*"), r.out());
  }

  private static String writeCsv(String name) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, HEADER + "\n" + ROWS);
    return f.toString();
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
