package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.roifeatures.spark.io.BoxInput;
import org.roifeatures.spark.io.InputException;
import org.roifeatures.spark.io.MapEntry;
import org.roifeatures.spark.io.MapIndex;
import org.roifeatures.spark.io.MapRows;
import org.roifeatures.spark.io.ProposalSelection;
import org.roifeatures.spark.io.Proposals;
import org.roifeatures.spark.task.FaultInjector;
import org.roifeatures.spark.task.FeatureTask;
import org.roifeatures.spark.task.HoldForKill;
import org.roifeatures.spark.task.OutputRows;
import org.roifeatures.spark.task.RejectTask;
import org.roifeatures.spark.task.TaskClock;
import org.roifeatures.spark.task.WorkRow;

/**
 * The extraction pipeline as Spark plans, shared by the job ({@link RoiFeaturesJob}, behind the
 * CLI) and the public API ({@code api.RoiFeatures}): index the maps → settings → read, validate and
 * select proposals → join them to their image's map entries and shuffle them by image, once (only
 * proposals and index rows move) → the features and the rejects as two {@code mapPartitions} over
 * the same work rows. Nothing here writes; the caller runs the actions.
 *
 * <p>The settings need three facts about the maps: their levels, the scale of each, the channel
 * count. Declared ({@code maps.channels}, the level or levels, scales for a multiscale op), building
 * the plan runs no Spark job at all ({@link #declaredFacts}); otherwise the map index is read once,
 * now, collected to the driver when small (then broadcast as a lookup: no join).
 *
 * <p>Maps given as rows ({@link MapSource#of(Dataset)}) have no files to read later: each map's bytes
 * travel once, in the same shuffle as the proposals, in one carrier row per map ({@link
 * #carrierWorkRows}); the facts, when not declared, come from one aggregation over their small
 * columns.
 */
public final class FeaturePlan {

  /** The job's accumulators: read by the run summary and the progress log. */
  public record Counters(LongAccumulator images, LongAccumulator rois, LongAccumulator proposals,
      LongAccumulator leftForRejects, CollectionAccumulator<String> loadFailures, TaskClock clock) {

    public static Counters register(SparkContext sc) {
      return new Counters(sc.longAccumulator("roi-features images"),
          sc.longAccumulator("roi-features rois"), sc.longAccumulator("roi-features proposals"),
          sc.longAccumulator("roi-features rejected"),
          sc.collectionAccumulator("roi-features map failures"), new TaskClock(sc));
    }

    /**
     * Counters nobody reads (the API's: its caller may run a plan's actions several times, so
     * nothing it reports comes from accumulators); unnamed, so the Spark UI does not show them.
     */
    public static Counters unread(SparkContext sc) {
      LongAccumulator[] longs = new LongAccumulator[4];
      for (int i = 0; i < longs.length; i++) {
        longs[i] = new LongAccumulator();
        sc.register(longs[i]);
      }
      CollectionAccumulator<String> failures = new CollectionAccumulator<>();
      sc.register(failures);
      return new Counters(longs[0], longs[1], longs[2], longs[3], failures, new TaskClock(sc));
    }
  }

  /** Where the maps come from: a path read as {@code maps.format} says, or rows ({@link MapRows}). */
  public record MapSource(String path, Dataset<Row> rows) {
    public static MapSource of(String path) {
      return new MapSource(path, null);
    }

    public static MapSource of(Dataset<Row> rows) {
      return new MapSource(null, rows);
    }
  }

  /** Where the proposals come from: a path read as {@code proposals.format} says, or rows. */
  public record ProposalSource(String path, Dataset<Row> rows) {
    public static ProposalSource of(String path) {
      return new ProposalSource(path, null);
    }

    public static ProposalSource of(Dataset<Row> rows) {
      return new ProposalSource(null, rows);
    }
  }

  private final OpSettings settings;
  private final Broadcast<OpSettings> bSettings;
  private final Map<String, String> description;
  private final ProposalSelection.Selection selection;
  private final Dataset<Row> proposals;
  private final Dataset<Row> work;
  private final Dataset<Row> features;
  private final Counters counters;
  private final Dataset<Row> persistedIndex;
  private final boolean roiIdsGiven;
  private final boolean mapsInRows;
  private final JobConfig cfg;

  private FeaturePlan(JobConfig cfg, OpSettings settings, Broadcast<OpSettings> bSettings,
      Map<String, String> description, ProposalSelection.Selection selection,
      Dataset<Row> proposals, Dataset<Row> work, Dataset<Row> features, Counters counters,
      Dataset<Row> persistedIndex, boolean roiIdsGiven, boolean mapsInRows) {
    this.cfg = cfg;
    this.settings = settings;
    this.bSettings = bSettings;
    this.description = description;
    this.selection = selection;
    this.proposals = proposals;
    this.work = work;
    this.features = features;
    this.counters = counters;
    this.persistedIndex = persistedIndex;
    this.roiIdsGiven = roiIdsGiven;
    this.mapsInRows = mapsInRows;
  }

  /** Compute partitions: {@code partitions}, or Spark's default parallelism when 0. */
  public static int partitions(SparkSession spark, JobConfig cfg) {
    int given = cfg.getInt(JobOptions.PARTITIONS);
    return given > 0 ? given : spark.sparkContext().defaultParallelism();
  }

  /**
   * Builds the plan. {@code done} (append mode: the image ids committed runs handled, or null)
   * removes those images' proposals; {@code phase} is told the name of each planning step as it starts (the
   * job names its Spark jobs and times its phases with it).
   */
  public static FeaturePlan build(SparkSession spark, JobConfig cfg, ProposalSource source,
      int partitions, Counters counters, Dataset<Row> done, Consumer<String> phase,
      boolean lazy) {
    return build(spark, cfg, MapSource.of(cfg.get(JobOptions.MAPS_PATH)), source, partitions,
        counters, done, phase, lazy);
  }

  /** As above, with the maps from {@code maps} instead of {@code maps.path}. */
  public static FeaturePlan build(SparkSession spark, JobConfig cfg, MapSource maps,
      ProposalSource source, int partitions, Counters counters, Dataset<Row> done,
      Consumer<String> phase, boolean lazy) {
    // Listing only: a missing or unreadable proposals path fails before the maps are indexed.
    String proposalsFormat = source.path() == null ? "rows"
        : Proposals.detectFormat(spark, source.path(), cfg.getChoice(JobOptions.PROPOSALS_FORMAT));
    phase.accept("index");
    boolean mapsInRows = maps.rows() != null;
    String mapsPath = maps.path();
    String mapsFormat = mapsInRows ? MapRows.FORMAT
        : MapIndex.detectFormat(spark, mapsPath, cfg.getChoice(JobOptions.MAPS_FORMAT));
    Dataset<Row> builtIndex = mapsInRows ? MapRows.index(maps.rows())
        : holding(cfg, "index", MapIndex.build(spark, mapsPath, mapsFormat,
            cfg.getBoolean(JobOptions.MAPS_VERIFY_CHECKSUMS), cfg.getChoice(JobOptions.MAPS_LAYOUT)));
    Map<String, Double> configuredScales = RoiFeaturesJob.parseScales(cfg.get(JobOptions.MAPS_SCALES));
    if (configuredScales.isEmpty()
        && (mapsFormat.equals("npy") || mapsFormat.equals("safetensors"))) {
      configuredScales = RoiFeaturesJob.parseScales(RoiFeaturesJob.readScalesSidecar(spark, mapsPath));
    }
    // Declared facts are trusted only where planning must not run a job (the API); the job reads
    // the index anyway and holds the declaration to it.
    IndexStats declared = lazy ? declaredFacts(cfg, configuredScales) : null;
    List<Row> collected = null;
    Dataset<Row> index = builtIndex;
    IndexStats stats = declared;
    if (declared == null && mapsInRows) {
      // No lookup to build: the entries travel with their data (carrierWorkRows). One aggregation
      // over the small columns gives the facts.
      stats = readingMaps(() -> IndexStats.of(builtIndex));
    } else if (declared == null) {
      // A small index (the usual case: one entry per image and level) is collected once and
      // grouped here; a large one is aggregated and grouped by Spark. Same stats, same join input.
      int collectLimit = cfg.getInt(JobOptions.INDEX_COLLECT_LIMIT);
      collected = readingMaps(() -> MapIndex.collectIfSmall(builtIndex, collectLimit));
      // A large index is read by the stats and the join: cached (a small one is not read again).
      // The job releases it when done; an API plan, whose actions run later, does not cache it.
      index = collected != null || lazy ? builtIndex
          : builtIndex.persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> persisted = index;
      stats = collected != null ? IndexStats.ofEntries(collected)
          : readingMaps(() -> IndexStats.of(persisted));
    }
    Map<String, Double> scales = configuredScales;
    IndexStats facts = stats;
    OpSettings settings = RoiFeaturesJob.settings(cfg, facts, scales)
        .withUnreadableMapFiles(facts.unreadableMapFiles())
        .withMapChecks(cfg.getBytes(JobOptions.MAPS_MAX_BYTES),
            cfg.getBoolean(JobOptions.MAPS_VERIFY_CHECKSUMS));
    if (declared != null) {
      settings = settings.withScalesDeclared();
    } else if (cfg.getInt(JobOptions.MAPS_CHANNELS) > 0
        && cfg.getInt(JobOptions.MAPS_CHANNELS) != settings.channels()) {
      throw new IllegalArgumentException("maps.channels=" + cfg.getInt(JobOptions.MAPS_CHANNELS)
          + " is declared, but the maps' channel count is " + settings.channels());
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<OpSettings> bSettings = jsc.broadcast(settings);

    phase.accept("proposals");
    BoxInput boxes = BoxInput.of(cfg, proposalsFormat);
    boolean rotated = settings.op() == RoiOp.ROI_ALIGN_ROTATED;
    int digits = cfg.getInt(JobOptions.IMAGE_ID_DIGITS);
    Proposals.Read read = source.path() != null
        ? Proposals.read(spark, source.path(), proposalsFormat, rotated, boxes, digits)
        : Proposals.of(source.rows(), rotated, boxes, digits);
    ProposalSelection.Selection selection = ProposalSelection.apply(read,
        cfg.get(JobOptions.MIN_SCORE).isEmpty() ? null : cfg.getDouble(JobOptions.MIN_SCORE),
        cfg.getInt(JobOptions.TOP_K));
    // Selection may fix roi_ids (input positions) before it drops rows: what the tasks read.
    Proposals.Read selected = selection.read();
    Dataset<Row> p = selected.rows();
    if (done != null) {
      // Append: images that a committed run handled are done; only the others are read on.
      p = p.join(done, imageKey(p).equalTo(done.col("image_id")), "left_anti");
    }
    Dataset<Row> work = mapsInRows ? carrierWorkRows(p, MapRows.entries(maps.rows()), partitions)
        : workRows(jsc, p, index, collected, partitions);

    Map<String, Double> levelScales = new LinkedHashMap<>();
    for (String level : settings.levels()) {
      levelScales.put(level, facts.scaleOf(level, scales));
    }
    Map<String, String> description = OutputMetadata.describe(settings, levelScales, mapsFormat,
        boxes);
    Dataset<Row> features = work.mapPartitions(
        new FeatureTask(bSettings, counters.images(), counters.rois(), counters.proposals(),
            counters.leftForRejects(), counters.loadFailures(), counters.clock(),
            FaultInjector.parse(cfg.get(JobOptions.TESTING_FAIL_PARTITIONS),
                cfg.getInt(JobOptions.TESTING_FAIL_AFTER_ROWS),
                cfg.getInt(JobOptions.TESTING_FAIL_ATTEMPTS),
                cfg.getChoice(JobOptions.TESTING_FAIL_MODE)),
            selected.roiIdsGiven(), mapsInRows),
        Encoders.row(OutputRows.featureSchema(settings.vectorFormat(),
            OutputMetadata.asFieldMetadata(description), rotated)));
    // Field metadata set through the encoder does not survive every plan; pin it on the column.
    features = features.withColumn("features", col("features").as("features",
        OutputMetadata.asFieldMetadata(description)));
    features = holding(cfg, "features", features);
    return new FeaturePlan(cfg, settings, bSettings, description, selection, p, work, features,
        counters, index == builtIndex ? null : index, selected.roiIdsGiven(), mapsInRows);
  }

  /**
   * The maps' facts as the configuration declares them, or null when it does not declare them all:
   * {@code maps.channels}, and the level ({@code level}) of a single-level op, or the levels
   * ({@code levels}) of a multiscale op with a scale for each ({@code maps.scales} or the npy
   * sidecar). Per-image checks still hold each map to them (CHANNEL_MISMATCH, MISSING_LEVEL).
   */
  static IndexStats declaredFacts(JobConfig cfg, Map<String, Double> configuredScales) {
    int channels = cfg.getInt(JobOptions.MAPS_CHANNELS);
    if (channels <= 0) {
      return null;
    }
    RoiOp op = RoiOp.parse(cfg.get(JobOptions.OP));
    List<String> levels;
    if (op == RoiOp.MULTISCALE_ROI_ALIGN) {
      if (cfg.get(JobOptions.LEVELS).isEmpty()) {
        return null;
      }
      levels = Arrays.stream(cfg.get(JobOptions.LEVELS).split(",")).map(String::trim).toList();
      for (String l : levels) {
        if (!configuredScales.containsKey(l) && !configuredScales.containsKey("*")) {
          return null;
        }
      }
    } else {
      if (cfg.get(JobOptions.LEVEL).isEmpty()) {
        return null;
      }
      levels = List.of(cfg.get(JobOptions.LEVEL));
    }
    return IndexStats.declared(levels, channels);
  }

  /**
   * The work rows: each proposal with its image's map entries, shuffled by image and sorted by map
   * file and row (each task reads its Parquet/Arrow map files in one forward pass), then by input
   * order within an image (the tasks assign roi_ids and find duplicates as they stream).
   */
  private static Dataset<Row> workRows(JavaSparkContext jsc, Dataset<Row> p, Dataset<Row> index,
      List<Row> collected, int partitions) {
    Column partitionKey;
    Dataset<Row> withMaps;
    Column mapsColumn = col("maps");
    Column firstMapPath = col("maps").getItem(0).getField("path");
    Column firstMapRow = col("maps").getItem(0).getField("row");
    if (collected != null) {
      // A collected index travels as a broadcast and is looked up by image id: no join, so no
      // broadcast exchange job and no stage boundary before the proposals' shuffle. A proposal
      // whose image has no maps gets null maps and a hashed key, as in the join. A collected index
      // also says which partition each image goes to (equal image counts per task).
      MapIndex.Lookup lookup = MapIndex.lookup(collected, partitions);
      Broadcast<HashMap<String, ArrayList<MapEntry>>> bMaps = jsc.broadcast(lookup.maps());
      Broadcast<HashMap<String, Integer>> bKeys = jsc.broadcast(lookup.keys());
      org.apache.spark.sql.expressions.UserDefinedFunction mapsOf = functions.udf(
          (org.apache.spark.sql.api.java.UDF1<String, List<Row>>) id -> mapRows(bMaps.value(), id),
          DataTypes.createArrayType(MapEntry.SCHEMA, false));
      org.apache.spark.sql.expressions.UserDefinedFunction keyOf = functions.udf(
          (org.apache.spark.sql.api.java.UDF1<String, Integer>) id -> id == null ? null
              : bKeys.value().get(id), DataTypes.IntegerType);
      // Only the sort key travels with each proposal: the map entries are looked up after the
      // shuffle, so it does not carry a copy of them per proposal (an image may have millions).
      Column firstMap = mapsOf.apply(p.col("image_id")).getItem(0);
      withMaps = p.withColumn("_map_path", firstMap.getField("path"))
          .withColumn("_map_row", firstMap.getField("row"));
      firstMapPath = col("_map_path");
      firstMapRow = col("_map_row");
      mapsColumn = mapsOf.apply(p.col("image_id"));
      partitionKey = functions.coalesce(keyOf.apply(p.col("image_id")),
          functions.hash(p.col("image_id")));
    } else {
      Dataset<Row> maps = index.filter(col("image_id").isNotNull())
          .groupBy("image_id").agg(collect_list(col("map")).as("maps"));
      partitionKey = p.col("image_id");
      withMaps = p.join(maps, p.col("image_id").equalTo(maps.col("image_id")), "left");
    }
    List<Column> columns = new ArrayList<>();
    for (String c : WorkRow.COLUMNS) {
      columns.add(c.equals("maps") ? mapsColumn.as("maps") : p.col(c));
    }
    // Neither materialised on its own nor cached: the features pass reads, validates and shuffles
    // the proposals and streams them into the pooling. A rejects pass reads them again; both see the
    // same rows in the same order (the input order column is deterministic), so they agree on every
    // roi_id.
    return withMaps
        .repartition(partitions, partitionKey)
        .sortWithinPartitions(firstMapPath, firstMapRow, p.col("image_id"), p.col("_order"))
        .select(columns.toArray(Column[]::new));
  }

  /**
   * The work rows when the maps are rows: the proposals (null {@code maps}) and one carrier row per
   * map (its image id, its entry with its bytes, the proposal columns null), shuffled together by
   * image, once, and sorted so that an image's carriers come first (by level), then its proposals
   * in input order; {@link org.roifeatures.spark.task.ImageGroups} gives the carriers' maps to the
   * image's proposals. A map's bytes thus cross the network once, however many proposals its image
   * has (joining the maps onto the proposals would copy them per proposal); an image with maps but
   * no proposals costs its maps' shuffle and gives nothing.
   */
  private static Dataset<Row> carrierWorkRows(Dataset<Row> p, Dataset<Row> entries,
      int partitions) {
    Column noMaps = functions.lit(null)
        .cast(DataTypes.createArrayType(MapEntry.SCHEMA_WITH_DATA, false));
    List<Column> proposalColumns = new ArrayList<>();
    List<Column> carrierColumns = new ArrayList<>();
    for (String c : WorkRow.COLUMNS) {
      if (c.equals("maps")) {
        proposalColumns.add(noMaps.as(c));
        carrierColumns.add(functions.array(entries.col("map")).as(c));
      } else if (c.equals("image_id")) {
        proposalColumns.add(p.col(c));
        carrierColumns.add(entries.col(c));
      } else {
        proposalColumns.add(p.col(c));
        carrierColumns.add(functions.lit(null).cast(p.schema().apply(c).dataType()).as(c));
      }
    }
    Column maps = col("maps");
    return p.select(proposalColumns.toArray(Column[]::new))
        .union(entries.select(carrierColumns.toArray(Column[]::new)))
        .repartition(partitions, col("image_id"))
        .sortWithinPartitions(col("image_id"), maps.isNull(), maps.getItem(0).getField("level"),
            col("_order"));
  }

  /** One row per RoI pooled: the features output (lazy). */
  public Dataset<Row> features() {
    return features;
  }

  /**
   * The rejects of the feature pass that has run: maps that failed to load in it ({@code
   * loadFailures}: image id → reason, detail) reject their images' proposals without being read
   * again; reject rows are counted per reason in {@code reasonCounts}.
   */
  public Dataset<Row> rejectsAfterFeatures(Broadcast<Map<String, String[]>> loadFailures,
      Map<String, LongAccumulator> reasonCounts) {
    return holding(cfg, "rejects", work.mapPartitions(
        new RejectTask(bSettings, loadFailures, roiIdsGiven, mapsInRows, reasonCounts),
        Encoders.row(OutputRows.REJECT_SCHEMA)));
  }

  /**
   * The rejects on their own, whether or not a feature pass ran: an image whose plan is ok has its
   * maps loaded (not pooled) to find the ones that cannot be read.
   */
  public Dataset<Row> rejects() {
    return work.mapPartitions(new RejectTask(bSettings, null, roiIdsGiven, mapsInRows, Map.of()),
        Encoders.row(OutputRows.REJECT_SCHEMA));
  }

  /** The proposals after validation and selection, before the join (append: not yet done). */
  public Dataset<Row> proposals() {
    return proposals;
  }

  public OpSettings settings() {
    return settings;
  }

  /** The vector description ({@code roi_features.*}): the column's metadata, footer and sidecar. */
  public Map<String, String> description() {
    return description;
  }

  public ProposalSelection.Selection selection() {
    return selection;
  }

  public Counters counters() {
    return counters;
  }

  /** Releases what the plan cached (a large map index). */
  public void release() {
    if (persistedIndex != null) {
      persistedIndex.unpersist();
    }
  }

  /**
   * Runs one of the first actions on the map index. A maps file Spark itself cannot read (a corrupt
   * Parquet file: Parquet maps are indexed by Spark's reader) surfaces as a task failure wrapped in a
   * job abort; this reports it as one line naming the file. Other failures pass through unchanged.
   */
  static <T> T readingMaps(Supplier<T> action) {
    try {
      return action.get();
    } catch (Exception e) { // Spark throws SparkException (checked) without declaring it
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SparkException se && se.getCondition() != null
            && se.getCondition().startsWith("FAILED_READ_FILE")) {
          String cause = se.getCause() == null ? "" : ": " + se.getCause().getMessage();
          throw new InputException("cannot read feature maps: " + se.getMessage().trim() + cause, e);
        }
      }
      throw e;
    }
  }

  /**
   * The image key of append mode's image lists: the image id, or one sentinel for proposals without
   * one, so that their rejects too are written once, by the first run that reads them.
   */
  static Column imageKey(Dataset<Row> proposals) {
    return functions.coalesce(proposals.col("image_id"), functions.lit("\u0000no image_id"));
  }

  /** {@code rows}, held after their first row when {@code testing.hold.phase} names this phase. */
  private static Dataset<Row> holding(JobConfig cfg, String phase, Dataset<Row> rows) {
    return cfg.get(JobOptions.TESTING_HOLD_PHASE).equals(phase)
        ? rows.mapPartitions(new HoldForKill(), Encoders.row(rows.schema())) : rows;
  }

  /** The maps of {@code imageId} as rows of {@link MapEntry#SCHEMA}, or null when it has none. */
  private static List<Row> mapRows(Map<String, ArrayList<MapEntry>> maps, String imageId) {
    List<MapEntry> m = imageId == null ? null : maps.get(imageId);
    if (m == null) {
      return null;
    }
    List<Row> rows = new ArrayList<>(m.size());
    for (MapEntry e : m) {
      rows.add(e.toRow());
    }
    return rows;
  }
}
