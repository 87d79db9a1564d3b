package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.io.Proposals;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * A proposals directory is its own files and its partition directories ({@code key=value}), never
 * another subdirectory: an output written inside a CSV proposals directory neither makes format
 * detection pick Parquet nor is read as proposals.
 */
class ProposalFormatDetectionTest extends SparkTestBase {

  private static final String HEADER = "image_id,x1,y1,x2,y2";
  private static final String ROWS = "img_0000,0,0,16,16\nimg_0000,4,4,20,28\nimg_0001,1,2,30,31\n";

  private static Path dir;
  private static Path maps;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("proposal-detect");
    SampleGenerator.generate(spark, dir.resolve("sample"),
        new SampleGenerator.Spec(2, 1, 4, 1, 1, 32, 32, 3), false);
    maps = dir.resolve("sample/maps_parquet");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static long rows(Path p) {
    String path = p.toString();
    return Proposals.read(spark, path, Proposals.detectFormat(spark, path, "auto")).rows().count();
  }

  @Test
  void anOutputWrittenInsideACsvProposalsDirectoryIsNotReadNorDetected() throws Exception {
    Path p = dir.resolve("csv-with-output");
    Files.createDirectories(p);
    Files.writeString(p.resolve("part-0.csv"), HEADER + "\n" + ROWS);
    // A run's features written inside the proposals directory (the job itself now refuses such an
    // output path; another tool, or an older version, may still have put one there).
    JobSummary first = runJob(JobOptions.MAPS_PATH, maps.toString(), JobOptions.PROPOSALS_PATH,
        p.toString(), JobOptions.OUTPUT_PATH, dir.resolve("out-first").toString());
    assertEquals(3, first.roisWritten());
    Files.move(dir.resolve("out-first"), p.resolve("features"));
    assertEquals("csv", Proposals.detectFormat(spark, p.toString(), "auto"));
    JobSummary second = runJob(JobOptions.MAPS_PATH, maps.toString(), JobOptions.PROPOSALS_PATH,
        p.toString(), JobOptions.OUTPUT_PATH, dir.resolve("out-second").toString());
    assertEquals(3, second.proposals());
    assertEquals(3, second.roisWritten());
    assertEquals(0, second.rejected(), second.table());
  }

  @Test
  void csvFilesInAnUnrelatedSubdirectoryAreNotProposals() throws Exception {
    Path p = dir.resolve("csv-nested");
    Files.createDirectories(p.resolve("old"));
    Files.writeString(p.resolve("part-0.csv"), HEADER + "\n" + ROWS);
    Files.writeString(p.resolve("old/part-0.csv"), HEADER + "\n" + ROWS + ROWS);
    Files.writeString(p.resolve("_SUCCESS"), "");
    Files.writeString(p.resolve(".part-0.csv.crc"), "garbage");
    assertEquals(3, rows(p));
  }

  @Test
  void partitionDirectoriesArePartOfTheInput() throws Exception {
    Path p = dir.resolve("csv-partitioned");
    Files.createDirectories(p.resolve("batch=1"));
    Files.createDirectories(p.resolve("batch=2"));
    Files.createDirectories(p.resolve("scratch"));
    Files.writeString(p.resolve("batch=1/part-0.csv"), HEADER + "\n" + ROWS);
    Files.writeString(p.resolve("batch=2/part-0.csv"), HEADER + "\n" + ROWS);
    // Not a partition directory: ignored, even though Spark alone would read it too.
    Files.writeString(p.resolve("scratch/part-0.csv"), HEADER + "\n" + ROWS);
    assertEquals(6, rows(p));
  }

  @Test
  void onlyASubdirectoryIsNoDataFiles() throws Exception {
    Path p = dir.resolve("only-subdir");
    Files.createDirectories(p.resolve("old"));
    Files.writeString(p.resolve("old/part-0.csv"), HEADER + "\n" + ROWS);
    CliRun.of(() -> restartSpark("local[2]"), "run", "--maps.path", maps.toString(),
        "--proposals.path", p.toString(), "--proposals.format", "csv", "--output.path",
        dir.resolve("out-only-subdir").toString()).assertInputError(p.toString(), "no data files",
            "old");
  }
}
