package io.syncgate.logging;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one access line costs the whole process, writer thread included, which a JMH benchmark
 * (timing the calling thread only) cannot see: two threads stand in for busy event loops, each
 * doing {@code work} microseconds of "request" per line, and rounds with and without the line
 * alternate. The difference in process CPU per request is the line's cost. Standard output should
 * go to a file or /dev/null (bench/access-log.sh does this), as it would under a supervisor.
 */
public final class AccessLineCost {

  private AccessLineCost() {}

  public static void main(String[] args) throws InterruptedException {
    int lines = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    long workNanos = (args.length > 1 ? Long.parseLong(args[1]) : 40) * 1000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    Logger log = LoggerFactory.getLogger("syncgate.access");
    var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double[] total = new double[2];
    for (int round = 0; round < rounds; round++) {
      boolean logging = round % 2 == 1;
      long cpu = os.getProcessCpuTime();
      Thread[] loops = new Thread[2];
      for (int t = 0; t < loops.length; t++) {
        loops[t] = new Thread(() -> requests(log, lines, workNanos, logging));
        loops[t].start();
      }
      for (Thread loop : loops) {
        loop.join();
      }
      Thread.sleep(300); // the writer's last batch belongs to this round
      double micros = (os.getProcessCpuTime() - cpu) / 1000.0 / (2.0 * lines);
      if (round >= 2) {
        total[logging ? 1 : 0] += micros;
      }
      System.err.printf("round %d %-10s %6.2f µs of CPU per request%n", round, logging ? "logged" : "not logged", micros);
    }
    int measured = (rounds - 2) / 2;
    System.err.printf("one access line: %.2f µs of CPU (rounds after the first two)%n", (total[1] - total[0]) / measured);
  }

  private static void requests(Logger log, int lines, long workNanos, boolean logging) {
    for (int i = 0; i < lines; i++) {
      if (logging) {
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        log.info("{} {} {} {} {} {}B {}ms", id, "127.0.0.1", "GET", "/sync/todo/doc-" + i, 200, 1024, 0);
      }
      long until = System.nanoTime() + workNanos;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    }
  }
}
