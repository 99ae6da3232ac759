package io.syncgate.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchingConsoleAppenderTest {

  private final LoggerContext context = new LoggerContext();
  private final SharedBytes out = new SharedBytes();
  private BatchingConsoleAppender appender;

  @AfterEach
  void stop() {
    context.stop();
  }

  @Test
  void everyLineLoggedBeforeTheStopIsWrittenInOrder() {
    Logger log = logger(16384, 50);
    IntStream.range(0, 10_000).forEach(i -> log.info("line {}", i));

    appender.stop();

    assertThat(out.lines()).containsExactlyElementsOf(IntStream.range(0, 10_000).mapToObj(i -> "INFO line " + i).toList());
  }

  @Test
  void infoLinesWaitForTheIntervalAndAWarningIsWrittenAtOnce() {
    Logger log = logger(1024, Duration.ofMinutes(10).toMillis());
    log.info("quiet");
    log.warn("loud");

    await().atMost(Duration.ofSeconds(5)).until(() -> out.lines().contains("WARN loud"));
    assertThat(out.lines()).as("queued before the warning, so written with it").containsExactly("INFO quiet", "WARN loud");
  }

  @Test
  void anInfoLineIsWrittenWithinTheInterval() {
    Logger log = logger(1024, 50);
    log.info("soon");

    await().atMost(Duration.ofSeconds(5)).until(() -> out.lines().contains("INFO soon"));
  }

  @Test
  void aFullQueueDropsInfoLinesAndSaysHowMany() {
    Logger log = logger(4, Duration.ofMinutes(10).toMillis());
    IntStream.range(0, 1000).forEach(i -> log.info("line {}", i));

    appender.stop();

    List<String> lines = out.lines();
    List<String> reports = lines.stream().filter(line -> line.matches("syncgate: \\d+ log lines dropped.*")).toList();
    int lost = reports.stream().mapToInt(line -> Integer.parseInt(line.replaceAll("syncgate: (\\d+) .*", "$1"))).sum();
    assertThat(lost).as("a queue of 4 cannot take 1,000 lines at once").isPositive();
    assertThat(lines.size() - reports.size() + lost).as("every line is either written or counted").isEqualTo(1000);
  }

  private Logger logger(int queueSize, long flushIntervalMillis) {
    context.setMDCAdapter(new LogbackMDCAdapter());
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%level %msg%n");
    encoder.start();
    appender = new BatchingConsoleAppender();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setQueueSize(queueSize);
    appender.setFlushIntervalMillis(flushIntervalMillis);
    appender.setOutputStream(out);
    appender.start();
    Logger log = context.getLogger("test");
    log.setLevel(Level.INFO);
    log.addAppender(appender);
    return log;
  }

  /** What the writer thread wrote, readable from the test's. */
  private static final class SharedBytes extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
    }

    synchronized List<String> lines() {
      String text = bytes.toString(StandardCharsets.UTF_8);
      return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }
  }
}
