package org.roifeatures.spark.task;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Test support for kill tests ({@code testing.hold.phase}): hands out the first row of each
 * partition, so the writer has an open, partly written file, then announces itself on stderr and
 * waits until the process is killed. Never set outside tests: the run never finishes.
 */
public final class HoldForKill implements MapPartitionsFunction<Row, Row> {

  private static final long serialVersionUID = 1L;

  /** The line a kill test waits for before it kills the process. */
  public static final String ANNOUNCEMENT = "roi-features testing: holding the pass";

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new Iterator<>() {
      private int handedOut;

      @Override
      public boolean hasNext() {
        if (handedOut == 1) {
          System.err.println(ANNOUNCEMENT);
          System.err.flush();
          while (true) {
            try {
              Thread.sleep(60_000);
            } catch (InterruptedException e) {
              // a cancelled task ends with the process; keep holding until then
            }
          }
        }
        return rows.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        handedOut++;
        return rows.next();
      }
    };
  }
}
