package org.roifeatures.spark.task;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.spark.OpSettings;
import org.roifeatures.spark.RoiOp;
import org.roifeatures.spark.io.MapEntry;
import org.roifeatures.spark.io.MapLoadException;
import org.roifeatures.spark.io.MapLoader;

/**
 * The {@code mapPartitions} function of the feature pass. For each image of the partition, whose
 * sorted work rows {@link ImageGroups} hands out in chunks (assigning roi_ids across them): decide
 * from the index ({@link ImagePlan}) and load its maps once, at its first chunk with something to
 * pool; pool each chunk's RoIs in batches of {@code batch.rois}, and hand out one row at a time. A
 * task therefore holds one image's maps, one chunk of its proposal rows and one batch of output
 * floats, whatever the partition size or the number of proposals of an image. Maps that fail to
 * load are reported through an accumulator (the rejects pass turns them into reject rows) and never
 * stop the task; other accumulators count the proposal rows read and those left for the rejects
 * pass, which is skipped when there are none.
 */
public final class FeatureTask implements MapPartitionsFunction<Row, Row> {

  private static final long serialVersionUID = 1L;

  private final Broadcast<OpSettings> settings;
  private final LongAccumulator images;
  private final LongAccumulator rois;
  /** Proposal rows this pass reads, good or not. */
  private final LongAccumulator proposals;
  /** Proposals this pass leaves for the rejects output (the rejects pass is skipped when none). */
  private final LongAccumulator rejected;
  private final CollectionAccumulator<String> loadFailures;
  private final TaskClock clock;
  private final FaultInjector faults;
  private final boolean roiIdsGiven;
  /** Whether the maps come in carrier rows (maps given as rows; see {@link ImageGroups}). */
  private final boolean mapsInRows;

  public FeatureTask(Broadcast<OpSettings> settings, LongAccumulator images, LongAccumulator rois,
      LongAccumulator proposals, LongAccumulator rejected,
      CollectionAccumulator<String> loadFailures, TaskClock clock, FaultInjector faults,
      boolean roiIdsGiven, boolean mapsInRows) {
    this.faults = faults;
    this.roiIdsGiven = roiIdsGiven;
    this.mapsInRows = mapsInRows;
    this.settings = settings;
    this.images = images;
    this.rois = rois;
    this.proposals = proposals;
    this.rejected = rejected;
    this.loadFailures = loadFailures;
    this.clock = clock;
  }

  /** Encodes a load failure for the accumulator: image id, reason, detail. */
  public static String failureKey(String imageId, String reason, String detail) {
    return imageId + '\u0001' + reason + '\u0001' + detail;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    OpSettings s = settings.value();
    MapLoader loader = new MapLoader(s.maxMapBytes(), s.verifyChecksums());
    TaskContext ctx = TaskContext.get();
    if (ctx != null) {
      ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> loader.close());
    }
    ImageGroups chunks = new ImageGroups(input, roiIdsGiven, ImageGroups.chunkRows(s.batchRois()),
        mapsInRows);
    return new Rows(chunks, loader, s);
  }

  private final class Rows implements Iterator<Row> {
    private final ImageGroups input;
    private final MapLoader loader;
    private final OpSettings s;
    private final RoiComputer computer;
    private final VectorEncoder encoder;
    private final int rowLength;
    private final float[] buffer;
    private final int[] levelIndex;
    // Per map slot (level) of an image, the arrays of the previous image's maps: decoded values and
    // the kernels' prepared copy. An image's maps are done with when the next image is loaded, so
    // their arrays are recycled instead of allocating and zeroing megabytes per map. When the
    // kernels read a channels-last copy, the decoded values are needed only until it is made: one
    // decode array then serves every slot, so a task holds one image's maps plus one map, not two.
    private float[][] decoded = new float[0][];
    private float[][] prepared = new float[0][];
    private float[] decodeScratch;
    /** True when the kernels read a channels-last copy, so decoded values are only transient. */
    private final boolean decodedIsTransient;

    private String imageId;
    /** Whether the current image's maps are loaded (its plan ok and its maps read). */
    private boolean imageLoaded;
    /** Whether the current image cannot be pooled (plan rejected or maps failed to load). */
    private boolean imageSkipped;
    private String[] levelNames;
    // The current chunk of the image: its proposals to pool, their ids and boxes.
    private List<Row> chunkRois;
    private long[] roiIds;
    private float[] boxes;
    private int next;        // next RoI of the chunk to hand out
    private int batchStart;  // first RoI held in the buffer
    private int batchCount;  // RoIs held in the buffer
    private long emitted;    // rows handed out by this task

    Rows(ImageGroups input, MapLoader loader, OpSettings s) {
      this.input = input;
      this.loader = loader;
      this.s = s;
      this.computer = new RoiComputer(s);
      this.encoder = new VectorEncoder(s.vectorFormat(), s.precision());
      this.rowLength = s.rowLength();
      this.buffer = new float[s.batchRois() * rowLength];
      this.levelIndex = new int[s.batchRois()];
      this.decodedIsTransient = s.op().usesVectorKernels()
          && RoiAlign.preferredLayout() == FeatureMap.Layout.HWC;
    }

    @Override
    public boolean hasNext() {
      while (chunkRois == null || next >= chunkRois.size()) {
        if (!input.hasNext()) {
          loader.close();
          return false;
        }
        startChunk(input.next());
      }
      return true;
    }

    private void startChunk(ImageGroups.Chunk chunk) {
      chunkRois = null;
      if (chunk.firstOfImage()) {
        imageLoaded = false;
        imageSkipped = false;
      }
      List<Row> roiRows = chunk.good();
      proposals.add(roiRows.size() + chunk.rejected().size());
      rejected.add(chunk.rejected().size());
      if (roiRows.isEmpty()) {
        return; // nothing to pool here; an image with no good proposal never has its maps read
      }
      if (!imageLoaded && !imageSkipped) {
        // Once per image, at its first chunk with something to pool; later chunks reuse the maps.
        imageLoaded = loadImage(chunk.imageId(), chunk.maps());
        imageSkipped = !imageLoaded;
      }
      if (imageSkipped) {
        rejected.add(roiRows.size());
        return;
      }
      chunkRois = roiRows;
      roiIds = chunk.goodRoiIds();
      boxes = s.op() == RoiOp.ROI_ALIGN_ROTATED ? WorkRow.rotatedBoxes(roiRows)
          : WorkRow.boxes(roiRows);
      next = 0;
      batchStart = 0;
      batchCount = 0;
    }

    /**
     * Decides and loads image {@code id}'s maps for the kernels; false when the image cannot be
     * pooled (the plan rejects it, or a map failed to load: reported for the rejects pass).
     */
    private boolean loadImage(String id, List<Row> mapRows) {
      ImagePlan.Decision d = ImagePlan.decide(id, mapRows, s);
      if (!d.ok()) {
        return false;
      }
      FeatureMap[] maps = new FeatureMap[d.maps().size()];
      long t0 = System.nanoTime();
      try {
        if (decoded.length < maps.length) {
          decoded = java.util.Arrays.copyOf(decoded, maps.length);
          prepared = java.util.Arrays.copyOf(prepared, maps.length);
        }
        for (int i = 0; i < maps.length; i++) {
          maps[i] = loader.load(d.maps().get(i), decodedIsTransient ? decodeScratch : decoded[i]);
          if (decodedIsTransient) {
            decodeScratch = maps[i].data();
          } else {
            decoded[i] = maps[i].data();
          }
          if (s.op().usesVectorKernels()) {
            // Once per image, not once per kernel call; results do not depend on the layout.
            FeatureMap p = RoiAlign.prepare(maps[i], prepared[i]);
            if (p.data() != maps[i].data()) {
              prepared[i] = p.data();
            } else if (decodedIsTransient) {
              // A channels-last map the kernels read as it is: its array is no scratch any more.
              decodeScratch = null;
            }
            maps[i] = p;
          }
        }
      } catch (MapLoadException e) {
        loadFailures.add(failureKey(id, e.reason().name(), e.getMessage()));
        return false;
      } finally {
        clock.addRead(System.nanoTime() - t0);
      }
      computer.setImage(maps, d.maps());
      levelNames = new String[d.maps().size()];
      for (int i = 0; i < levelNames.length; i++) {
        MapEntry m = d.maps().get(i);
        levelNames[i] = m.level().isEmpty() ? null : m.level();
      }
      imageId = id;
      images.add(1);
      return true;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      faults.check(emitted);
      if (next >= batchStart + batchCount) {
        batchStart = next;
        batchCount = Math.min(s.batchRois(), chunkRois.size() - next);
        long t0 = System.nanoTime();
        computer.compute(boxes, batchStart, batchCount, buffer, levelIndex);
        clock.addPool(System.nanoTime() - t0);
      }
      int k = next - batchStart;
      String level;
      if (levelNames.length == 1) {
        level = levelNames[0];
      } else {
        level = levelIndex[k] >= 0 ? levelNames[levelIndex[k]] : null;
      }
      long t0 = System.nanoTime();
      Object vector = encoder.encode(buffer, k * rowLength, rowLength);
      clock.addEncode(System.nanoTime() - t0);
      Row out = OutputRows.feature(imageId, chunkRois.get(next), roiIds[next], level, vector,
          s.op() == RoiOp.ROI_ALIGN_ROTATED);
      next++;
      emitted++;
      rois.add(1);
      return out;
    }
  }
}
