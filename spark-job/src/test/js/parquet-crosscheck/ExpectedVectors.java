import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.MultiScaleRoiAlign;
import org.roifeatures.ops.RoiAlignParams;

/**
 * The expected side of the Parquet cross-check, from the job's INPUTS, not its output: for a few
 * (image_id, roi_id) keys of a generate-sample directory, the proposal as written in its CSV copy and
 * the multiscale_roi_align vector core-ops computes from that input box on the .npy copies of the
 * maps (torchvision defaults, as run.sh runs the job: 7x7, adaptive sampling, aligned=false). Writes
 * JSON with each vector as float32 bit patterns, so compare.mjs can hold the floats it decodes from
 * the Parquet outside the JVM to them exactly (tolerance 0).
 *
 * <p>Runs as a single source file on the fat jar (core-ops inside); reads CSV and .npy itself:
 * {@code java -cp spark-job/target/spark-job-*-all.jar ExpectedVectors.java SAMPLE_DIR OUT.json}
 */
public class ExpectedVectors {

  /** Proposals checked per image, and images checked. */
  private static final int PER_IMAGE = 3;
  private static final int IMAGES = 3;

  public static void main(String[] args) throws Exception {
    Path sample = Path.of(args[0]);
    Path out = Path.of(args[1]);
    // Levels finest first, with their scales, from the .npy maps' _scales.properties.
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(sample.resolve("maps_npy/_scales.properties"))) {
      p.load(in);
    }
    List<String> levels = new ArrayList<>(p.stringPropertyNames());
    levels.sort((a, b) -> Double.compare(Double.parseDouble(p.getProperty(b)),
        Double.parseDouble(p.getProperty(a))));
    double[] scales = levels.stream().mapToDouble(l -> Double.parseDouble(p.getProperty(l))).toArray();
    MultiScaleRoiAlign op = MultiScaleRoiAlign.torchvision(scales, RoiAlignParams.of(7, 7, 1, -1,
        false));

    // Proposals in file order; roi_id = position within the image (the CSV has no roi_id column).
    List<Path> parts;
    try (Stream<Path> s = Files.list(sample.resolve("proposals_csv"))) {
      parts = s.filter(f -> f.getFileName().toString().endsWith(".csv")).sorted().toList();
    }
    Map<String, Long> position = new HashMap<>();
    Map<String, List<Map<String, String>>> chosen = new LinkedHashMap<>();
    for (Path f : parts) {
      List<String> lines = Files.readAllLines(f);
      String[] header = lines.get(0).split(",", -1);
      for (String line : lines.subList(1, lines.size())) {
        if (line.isEmpty()) {
          continue;
        }
        String[] v = line.split(",", -1);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < header.length; i++) {
          m.put(header[i], v[i]);
        }
        long roi = position.merge(m.get("image_id"), 1L, Long::sum) - 1;
        m.put("roi_id", Long.toString(roi));
        if ((chosen.containsKey(m.get("image_id")) || chosen.size() < IMAGES)
            && chosen.computeIfAbsent(m.get("image_id"), k -> new ArrayList<>()).size() < PER_IMAGE) {
          chosen.get(m.get("image_id")).add(m);
        }
      }
    }

    StringBuilder json = new StringBuilder("{\"op\": \"multiscale_roi_align\", \"rows\": [");
    boolean first = true;
    for (Map.Entry<String, List<Map<String, String>>> e : chosen.entrySet()) {
      FeatureMap[] maps = new FeatureMap[levels.size()];
      for (int l = 0; l < maps.length; l++) {
        maps[l] = npy(sample.resolve("maps_npy").resolve(e.getKey()).resolve(levels.get(l) + ".npy"));
      }
      for (Map<String, String> m : e.getValue()) {
        // The job casts the input's double coordinates to float32, as here.
        float[] box = new float[4];
        for (int k = 0; k < 4; k++) {
          box[k] = (float) Double.parseDouble(m.get(List.of("x1", "y1", "x2", "y2").get(k)));
        }
        float[] v = new float[op.rowLength(maps[0].channels())];
        int[] level = new int[1];
        op.forward(maps, box, 0, 1, v, 0, level, 0);
        json.append(first ? "\n" : ",\n");
        first = false;
        json.append("  {\"image_id\": \"").append(m.get("image_id")).append("\", \"roi_id\": ")
            .append(m.get("roi_id"));
        for (String c : List.of("x1", "y1", "x2", "y2", "score")) {
          json.append(", \"").append(c).append("\": ").append(Double.parseDouble(m.get(c)));
        }
        json.append(", \"label\": ").append(Integer.parseInt(m.get("label")));
        json.append(", \"level\": ").append(level[0] < 0 ? "null" : "\"" + levels.get(level[0]) + "\"")
            .append(", \"bits\": [");
        for (int i = 0; i < v.length; i++) {
          json.append(i == 0 ? "" : ",").append(Float.floatToRawIntBits(v[i]));
        }
        json.append("]}");
      }
    }
    json.append("\n]}\n");
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
      w.print(json);
    }
    System.out.println("expected vectors from the inputs: " + chosen.values().stream()
        .mapToInt(List::size).sum() + " rows of " + chosen.size() + " images -> " + out);
  }

  /** A little-endian float32 C-order .npy file as a CHW map. */
  static FeatureMap npy(Path f) throws IOException {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(f))) {
      byte[] magic = in.readNBytes(6);
      if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
        throw new IOException(f + ": not a .npy file");
      }
      int major = in.readUnsignedByte();
      in.readUnsignedByte();
      ByteBuffer len = ByteBuffer.wrap(in.readNBytes(major == 1 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
      int headerLength = major == 1 ? Short.toUnsignedInt(len.getShort()) : len.getInt();
      String header = new String(in.readNBytes(headerLength), StandardCharsets.US_ASCII);
      if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
        throw new IOException(f + ": not little-endian float32 C order: " + header);
      }
      Matcher shape = Pattern.compile("'shape': \\((\\d+), (\\d+), (\\d+)\\)").matcher(header);
      if (!shape.find()) {
        throw new IOException(f + ": not a 3-d array: " + header);
      }
      int c = Integer.parseInt(shape.group(1));
      int h = Integer.parseInt(shape.group(2));
      int w = Integer.parseInt(shape.group(3));
      float[] data = new float[c * h * w];
      ByteBuffer.wrap(in.readNBytes(4 * data.length)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
          .get(data);
      return FeatureMap.chw(data, c, h, w);
    }
  }
}
