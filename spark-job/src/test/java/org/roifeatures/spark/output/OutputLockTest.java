package org.roifeatures.spark.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OutputLock}: one holder at a time; a lock whose holder is provably dead (ended process on
 * this host, pid now another process, no heartbeat from another host, a half-written lock file left
 * long ago) is taken over; a live holder never is, unless the operator names it in
 * {@code output.lock.break}; a run that lost its lock cannot commit and does not remove the lock of
 * the run that took it.
 */
class OutputLockTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(300);
  private final Configuration conf = new Configuration();
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("output-lock");
  }

  @AfterEach
  void cleanUp() throws Exception {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private OutputLock acquire(String runId, String breakHolder) throws Exception {
    return OutputLock.acquire(conf, dir.toString(), runId, TIMEOUT, breakHolder);
  }

  private Path lockFile() {
    return dir.resolve(OutputLock.LOCK);
  }

  private String lockContent() throws Exception {
    return Files.readString(lockFile());
  }

  /** A lock file as another process would have left it, last refreshed {@code age} ago. */
  private void writeLock(OutputLock.Holder holder, Duration age) throws Exception {
    Files.write(lockFile(), holder.toJson());
    Files.setLastModifiedTime(lockFile(), FileTime.from(Instant.now().minus(age)));
  }

  private static OutputLock.Holder holder(String runId, String host, String bootId, long pid,
      long processStart) {
    return new OutputLock.Holder(runId, host, bootId, pid, processStart, "2026-01-01T00:00:00Z");
  }

  private static OutputLock.Holder me() {
    return OutputLock.Holder.self("probe");
  }

  /** The pid of a process that has ended. */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    assertEquals(0, p.waitFor());
    long pid = p.pid();
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    return pid;
  }

  @Test
  void aSecondRunIsRefusedWhileTheFirstHoldsTheLock() throws Exception {
    OutputLock first = acquire("run-a", "");
    OutputLock.Held e = assertThrows(OutputLock.Held.class, () -> acquire("run-b", ""));
    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("run-a")
        && e.getMessage().contains("output.lock.break run-a"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
    assertTrue(lockContent().contains("run-a"), "the refused run left the holder's lock alone");
    first.verifyHeld();
    first.close();
    assertFalse(Files.exists(lockFile()), "released");
    try (OutputLock second = acquire("run-b", "")) {
      assertTrue(lockContent().contains("run-b"));
      second.verifyHeld();
    }
    assertFalse(Files.exists(lockFile()));
  }

  @Test
  void theLockOfAnEndedProcessOnThisHostIsTakenOverAtOnce() throws Exception {
    OutputLock.Holder me = me();
    // Refreshed just now: only the process check can tell that it is dead.
    writeLock(holder("killed", me.host(), me.bootId(), deadPid(), 1L), Duration.ZERO);
    try (OutputLock lock = acquire("next", "")) {
      assertTrue(lockContent().contains("\"next\""), lockContent());
      lock.verifyHeld();
    }
  }

  @Test
  void aPidNowUsedByAnotherProcessIsNoHolder() throws Exception {
    OutputLock.Holder me = me();
    // This process's pid, but the holder's process started at another time.
    writeLock(holder("old", me.host(), me.bootId(), me.pid(), me.processStart() - 60_000),
        Duration.ZERO);
    try (OutputLock lock = acquire("next", "")) {
      assertTrue(lockContent().contains("\"next\""));
    }
    // The same pid and start: that holder is alive.
    writeLock(holder("alive", me.host(), me.bootId(), me.pid(), me.processStart()),
        Duration.ZERO);
    assertThrows(OutputLock.Held.class, () -> acquire("next", ""));
  }

  @Test
  void aRestartedHostHasNoLiveHolders() throws Exception {
    OutputLock.Holder me = me();
    writeLock(holder("before-reboot", me.host(), "another-boot", me.pid(), me.processStart()),
        Duration.ZERO);
    // Only when this host has a boot id to compare with (Linux).
    if (me.bootId().isEmpty()) {
      assertThrows(OutputLock.Held.class, () -> acquire("next", ""));
    } else {
      try (OutputLock lock = acquire("next", "")) {
        assertTrue(lockContent().contains("\"next\""));
      }
    }
  }

  @Test
  void anotherHostsLockIsStaleOnlyAfterTheTimeoutWithoutHeartbeat() throws Exception {
    OutputLock.Holder remote = holder("remote", "some-other-host", "b", 1, 1);
    writeLock(remote, TIMEOUT.minusSeconds(30));
    OutputLock.Held e = assertThrows(OutputLock.Held.class, () -> acquire("next", ""));
    assertTrue(e.getMessage().contains("some-other-host"), e.getMessage());
    writeLock(remote, TIMEOUT.plusSeconds(30));
    try (OutputLock lock = acquire("next", "")) {
      assertTrue(lockContent().contains("\"next\""));
    }
  }

  @Test
  void aHalfWrittenLockIsStaleOnlyAfterTheTimeout() throws Exception {
    Files.write(lockFile(), new byte[0]);
    OutputLock.Held e = assertThrows(OutputLock.Held.class, () -> acquire("next", ""));
    assertTrue(e.getMessage().contains("cannot be read")
        && e.getMessage().contains("output.lock.break unreadable"), e.getMessage());
    Files.setLastModifiedTime(lockFile(), FileTime.from(Instant.now().minus(TIMEOUT.plusSeconds(1))));
    try (OutputLock lock = acquire("next", "")) {
      assertTrue(lockContent().contains("\"next\""));
    }
  }

  @Test
  void outputLockBreakBreaksTheNamedHolderOnly() throws Exception {
    writeLock(holder("remote", "some-other-host", "b", 1, 1), Duration.ZERO);
    assertThrows(OutputLock.Held.class, () -> acquire("next", "somebody-else"));
    assertTrue(lockContent().contains("\"remote\""));
    try (OutputLock lock = acquire("next", "remote")) {
      assertTrue(lockContent().contains("\"next\""));
    }
  }

  @Test
  void aLiveTakerKeepsOthersOffAndADeadTakersClaimIsCleared() throws Exception {
    OutputLock.Holder me = me();
    OutputLock.Holder stale = holder("stale", "some-other-host", "b", 1, 1);
    Path claim = dir.resolve(OutputLock.LOCK + ".taking-stale");
    // Another run (this process, so alive) is taking the stale lock over.
    writeLock(stale, TIMEOUT.plusSeconds(60));
    Files.write(claim, holder("taker", me.host(), me.bootId(), me.pid(), me.processStart())
        .toJson());
    OutputLock.Held e = assertThrows(OutputLock.Held.class, () -> acquire("next", ""));
    assertTrue(e.getMessage().contains("taker"), e.getMessage());
    // The taker died half-way: its claim goes, and the lock is taken.
    Files.write(claim, holder("taker", me.host(), me.bootId(), deadPid(), 1L).toJson());
    try (OutputLock lock = acquire("next", "")) {
      assertTrue(lockContent().contains("\"next\""));
    }
    assertFalse(Files.exists(claim), "the claim is removed once the lock is taken");
  }

  @Test
  void aRunThatLostItsLockCannotCommitNorRemoveTheNewHoldersLock() throws Exception {
    OutputLock slow = acquire("slow", "");
    // Broken by the operator while the holder was paused, and taken by another run.
    OutputLock next = acquire("next", "slow");
    assertThrows(IllegalStateException.class, slow::verifyHeld);
    slow.close();
    assertTrue(lockContent().contains("\"next\""), "the loser leaves the new holder's lock");
    next.verifyHeld();
    next.close();
  }

  @Test
  void theHeartbeatRefreshesTheLocksModificationTime() throws Exception {
    try (OutputLock lock = acquire("beating", "")) {
      FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
      Files.setLastModifiedTime(lockFile(), old);
      lock.beat();
      assertTrue(Files.getLastModifiedTime(lockFile()).compareTo(old) > 0);
      // A lock removed under the holder is lost: the run cannot commit.
      Files.delete(lockFile());
      lock.beat();
      IllegalStateException e = assertThrows(IllegalStateException.class, lock::verifyHeld);
      assertTrue(e.getMessage().contains("beating"), e.getMessage());
    }
    assertFalse(Files.exists(lockFile()), "a lost lock is not recreated by the heartbeat");
  }

  @Test
  void overwriteIsRefusedWhileALiveAppendRunHoldsTheOutput() throws Exception {
    try (OutputLock running = acquire("appending", "")) {
      OutputLock.Held e = assertThrows(OutputLock.Held.class,
          () -> OutputPaths.check(conf, dir.toString(), "", java.util.Map.of(), "overwrite"));
      assertTrue(e.getMessage().contains("appending") && e.getMessage().contains(dir.toString()),
          e.getMessage());
      running.verifyHeld();
    }
    // A dead holder's lock goes with the output it locked.
    OutputLock.Holder me = me();
    writeLock(holder("killed", me.host(), me.bootId(), deadPid(), 1L), Duration.ZERO);
    OutputPaths.check(conf, dir.toString(), "", java.util.Map.of(), "overwrite");
  }

  @Test
  void theHeartbeatIsAFractionOfTheTimeout() {
    assertTrue(OutputLock.heartbeatMillis(TIMEOUT) * 3 <= TIMEOUT.toMillis());
    assertEquals(1000, OutputLock.heartbeatMillis(Duration.ofSeconds(2)));
  }
}
