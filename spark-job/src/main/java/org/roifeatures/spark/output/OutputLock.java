package org.roifeatures.spark.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;

/**
 * One append run at a time per output: an exclusively created lock file {@value #LOCK} in the
 * features directory names its holder (run id, host, boot id, pid, process start, start time), and
 * its modification time is the holder's heartbeat, refreshed by a daemon thread while the run lives.
 *
 * <p>A lock held by a run that is provably dead is taken over without manual action:
 * <ul>
 *   <li>same host (name and boot id) — the holder's process is gone, or its pid now belongs to a
 *       process started at another time, or the host has rebooted since;</li>
 *   <li>another host — no heartbeat for {@code output.lock.timeout} (host clocks must agree to well
 *       within it).</li>
 * </ul>
 * A live holder is never overridden; {@code output.lock.break=<run id>} breaks the lock of that
 * holder only, for a holder the operator knows to be dead. Taking over goes through an exclusively
 * created claim file ({@code _lock.taking-<holder>}), so two runs that both find one stale lock cannot
 * both delete it and then each delete the other's fresh lock.
 *
 * <p>Exclusive creation is the file system's: {@code create(path, overwrite=false)} is atomic on HDFS
 * and ABFS; Hadoop's local file system checks and then creates, so local paths use
 * {@code O_CREAT|O_EXCL} through {@code java.nio} instead.
 */
public final class OutputLock implements AutoCloseable {

  public static final String LOCK = "_lock";
  private static final String TAKING = LOCK + ".taking-";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The default of {@code output.lock.timeout}, in seconds. */
  public static final int DEFAULT_TIMEOUT_SECONDS = 300;

  /** The exit code of a run refused because another run holds the output's lock. */
  public static final int EXIT_LOCKED = 5;

  /** A run refused because a live run holds the lock (exit code {@value #EXIT_LOCKED}). */
  public static final class Held extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Held(String message) {
      super(message);
    }
  }

  /** Who holds (or held) a lock, as written in the lock file. */
  public record Holder(String runId, String host, String bootId, long pid, long processStart,
      String startedAt) {

    /** The process this code runs in, holding a lock for {@code runId}. */
    public static Holder self(String runId) {
      ProcessHandle me = ProcessHandle.current();
      return new Holder(runId, thisHost(), thisBootId(), me.pid(), startMillis(me),
          Instant.now().toString());
    }

    public byte[] toJson() throws IOException {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("run_id", runId);
      m.put("host", host);
      m.put("boot_id", bootId);
      m.put("pid", pid);
      m.put("process_start_ms", processStart);
      m.put("started_at", startedAt);
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
    }

    /** The holder a lock file names, or null when its content is not a lock (half written). */
    static Holder parse(byte[] content) {
      try {
        JsonNode n = JSON.readTree(content);
        if (n == null || !n.hasNonNull("run_id") || !n.hasNonNull("pid")) {
          return null;
        }
        return new Holder(n.path("run_id").asText(), n.path("host").asText(),
            n.path("boot_id").asText(), n.path("pid").asLong(), n.path("process_start_ms").asLong(),
            n.path("started_at").asText());
      } catch (IOException e) {
        return null;
      }
    }

    @Override
    public String toString() {
      return "run " + runId + " (host " + host + ", pid " + pid + ", started " + startedAt + ")";
    }
  }

  /** A lock file as read: its holder (null when unreadable), raw bytes and last heartbeat. */
  record Observed(Holder holder, byte[] raw, long heartbeatMillis) {

    /** The id the refusal message offers to {@code output.lock.break}. */
    String breakId() {
      return holder == null ? "unreadable" : holder.runId();
    }

    String describe(long now) {
      String who = holder == null ? "a lock file that cannot be read (its holder died while "
          + "writing it, or is writing it now)" : "append " + holder;
      return who + ", heartbeat " + Math.max(0, (now - heartbeatMillis) / 1000) + " s ago";
    }
  }

  private final FileSystem fs;
  private final Path lock;
  private final Holder self;
  private final ScheduledExecutorService heartbeat;
  private volatile String lost;

  private OutputLock(FileSystem fs, Path lock, Holder self, Duration timeout) {
    this.fs = fs;
    this.lock = lock;
    this.self = self;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "roi-features output lock heartbeat");
      t.setDaemon(true);
      return t;
    });
    long every = heartbeatMillis(timeout);
    heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
  }

  /** A sixth of the timeout (at least a second): a holder misses several beats before it is stale. */
  static long heartbeatMillis(Duration timeout) {
    return Math.max(1000, timeout.toMillis() / 6);
  }

  /**
   * Takes the lock of the output directory {@code dir} (created when missing) for {@code runId}, or
   * throws {@link Held} naming the live holder. {@code breakHolder} (empty for none) is the run id
   * of a holder the operator declares dead: its lock is broken even when it does not look stale.
   */
  public static OutputLock acquire(Configuration conf, String dir, String runId, Duration timeout,
      String breakHolder) throws IOException {
    Path d = new Path(dir);
    FileSystem fs = d.getFileSystem(conf);
    fs.mkdirs(d);
    Path lock = new Path(d, LOCK);
    Holder self = Holder.self(runId);
    byte[] content = self.toJson();
    // A few rounds: a round is lost only to another run that took or released the lock meanwhile.
    for (int round = 0; round < 4; round++) {
      if (createExclusive(fs, lock, content)) {
        return new OutputLock(fs, lock, self, timeout);
      }
      Observed held = read(fs, lock);
      if (held == null) {
        continue; // released between our create and our read
      }
      long now = System.currentTimeMillis();
      String stale = !breakHolder.isEmpty() && breakHolder.equals(held.breakId())
          ? "broken with output.lock.break=" + breakHolder
          : staleReason(held, self, now, timeout);
      if (stale == null) {
        throw new Held("output.path " + dir + " is locked by " + held.describe(now)
            + ", which is alive: one append run at a time per output; retry when it has ended "
            + "(if you know it is dead: --output.lock.break " + held.breakId() + ")");
      }
      if (takeOver(fs, d, lock, held, self, content, timeout)) {
        LogManager.getLogger(OutputLock.class).warn("took over the lock of " + dir + " from "
            + held.describe(now) + ": " + stale);
        return new OutputLock(fs, lock, self, timeout);
      }
    }
    throw new Held("output.path " + dir + " is contended: other runs took its lock while this one "
        + "tried; one append run at a time per output");
  }

  /**
   * Refuses ({@link Held}) to replace the output {@code dir} while a live append run holds its lock
   * (judged with the default timeout); a dead holder's lock goes with the output it locked.
   */
  static void refuseReplacingWhileHeld(FileSystem fs, Path dir, String key) throws IOException {
    Observed held = read(fs, new Path(dir, LOCK));
    long now = System.currentTimeMillis();
    if (held != null && staleReason(held, Holder.self("overwrite"), now,
        Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS)) == null) {
      throw new Held("output.mode overwrite would replace " + dir + " (" + key + ") while "
          + held.describe(now) + " is writing to it: retry when it has ended");
    }
  }

  /**
   * Replaces the stale lock {@code held} by ours, through a claim file that only one taker can
   * create; returns false when another run got the lock first.
   */
  private static boolean takeOver(FileSystem fs, Path dir, Path lock, Observed held, Holder self,
      byte[] content, Duration timeout) throws IOException {
    Path claim = new Path(dir, TAKING + held.breakId());
    if (!createExclusive(fs, claim, content)) {
      Observed other = read(fs, claim);
      long now = System.currentTimeMillis();
      if (other != null && staleReason(other, self, now, timeout) == null) {
        throw new Held("output.path " + dir + " is being taken over from " + held.describe(now)
            + " by " + other.describe(now) + ": one append run at a time per output");
      }
      // The taker died half-way: its claim is as stale as the lock it was taking.
      fs.delete(claim, false);
      if (!createExclusive(fs, claim, content)) {
        return false;
      }
    }
    try {
      // Deleted only if it is still the lock judged stale (not one a faster taker already made).
      Observed again = read(fs, lock);
      if (again != null && java.util.Arrays.equals(again.raw(), held.raw())) {
        fs.delete(lock, false);
      }
      return createExclusive(fs, lock, content);
    } finally {
      fs.delete(claim, false);
    }
  }

  /**
   * Why the holder of {@code held} is provably dead, or null when it may be alive. Same host (name
   * and boot id): its process is gone or is another process. Another host, or an unreadable lock:
   * no heartbeat for {@code timeout}.
   */
  static String staleReason(Observed held, Holder self, long nowMillis, Duration timeout) {
    Holder h = held.holder();
    if (h != null && h.host().equals(self.host())) {
      if (!h.bootId().isEmpty() && !self.bootId().isEmpty() && !h.bootId().equals(self.bootId())) {
        return "host " + h.host() + " has restarted since";
      }
      if (h.bootId().equals(self.bootId())) {
        Optional<ProcessHandle> p = ProcessHandle.of(h.pid());
        if (p.isEmpty() || !p.get().isAlive()) {
          return "process " + h.pid() + " on " + h.host() + " has ended";
        }
        long start = startMillis(p.get());
        if (start != 0 && h.processStart() != 0 && start != h.processStart()) {
          return "pid " + h.pid() + " on " + h.host() + " now belongs to another process";
        }
        return null;
      }
    }
    long silent = nowMillis - held.heartbeatMillis();
    return silent > timeout.toMillis() ? "no heartbeat for " + silent / 1000 + " s "
        + "(output.lock.timeout=" + timeout.toSeconds() + ")" : null;
  }

  /**
   * Refreshes the heartbeat. A lock that vanished or names another run (broken while this run was
   * paused) is recorded as lost, and not refreshed: the new holder's heartbeat is its own.
   */
  void beat() {
    try {
      Observed now = read(fs, lock);
      if (now == null || now.holder() == null || !now.holder().runId().equals(self.runId())) {
        lost = now == null ? "its lock file " + lock + " was removed"
            : "the lock is now held by " + now.describe(System.currentTimeMillis());
        heartbeat.shutdown();
        return;
      }
      fs.setTimes(lock, System.currentTimeMillis(), -1);
    } catch (IOException | RuntimeException e) {
      // Transient: the next beat tries again, and a holder only goes stale after several misses.
      LogManager.getLogger(OutputLock.class).warn("cannot refresh the lock " + lock + ": "
          + OutputPaths.oneLineMessage(e));
    }
  }

  /**
   * Checks, just before the commit, that this run still holds the lock (it was not broken as stale
   * while the run was paused, e.g. by a long GC or a suspended host); throws otherwise.
   */
  public void verifyHeld() throws IOException {
    Observed now = read(fs, lock);
    if (lost != null || now == null || now.holder() == null
        || !now.holder().runId().equals(self.runId())) {
      throw new IllegalStateException("run " + self.runId() + " lost the lock of "
          + lock.getParent() + (lost != null ? ": " + lost
          : now == null ? ": it was removed" : " to " + now.describe(System.currentTimeMillis()))
          + "; this run is not committed (its staging is removed by the next append run)");
    }
  }

  /** The holder this lock was taken for. */
  public Holder holder() {
    return self;
  }

  /** Stops the heartbeat and removes the lock if it is still this run's. Never throws. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      heartbeat.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Observed now = read(fs, lock);
      if (now != null && now.holder() != null && now.holder().runId().equals(self.runId())) {
        fs.delete(lock, false);
      }
    } catch (IOException | RuntimeException e) {
      // A lock left behind is taken over by the next run (this process will have ended).
      LogManager.getLogger(OutputLock.class).warn("cannot remove the lock " + lock + ": "
          + OutputPaths.oneLineMessage(e));
    }
  }

  /** The lock file, or null when there is none. */
  static Observed read(FileSystem fs, Path lock) throws IOException {
    FileStatus st;
    byte[] raw;
    try {
      st = fs.getFileStatus(lock);
      try (InputStream in = fs.open(lock)) {
        raw = in.readAllBytes();
      }
    } catch (FileNotFoundException e) {
      return null;
    }
    return new Observed(Holder.parse(raw), raw, st.getModificationTime());
  }

  /** Creates {@code path} with {@code content} if and only if it does not exist, atomically. */
  static boolean createExclusive(FileSystem fs, Path path, byte[] content) throws IOException {
    if (fs.getUri().getScheme() != null && fs.getUri().getScheme().equals("file")) {
      java.nio.file.Path local = Paths.get(fs.makeQualified(path).toUri());
      try {
        Files.write(local, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(path, false)) {
      out.write(content);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      // HDFS reports a file being created by another client as AlreadyBeingCreatedException.
      if (e.getClass().getSimpleName().equals("AlreadyBeingCreatedException")
          || fs.exists(path)) {
        return false;
      }
      throw e;
    }
  }

  private static long startMillis(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  private static String thisHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "unknown-host" : env;
    }
  }

  /** Linux's id of this boot: the same host name with another boot id has restarted. */
  private static String thisBootId() {
    try {
      return new String(Files.readAllBytes(Paths.get("/proc/sys/kernel/random/boot_id")),
          StandardCharsets.US_ASCII).trim();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
