package io.syncgate.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The released product as users run it: {@code java -jar target/syncgate.jar --config FILE} in a
 * process of its own, on the JDK running the tests, with the JVM options a test chooses; or any
 * other command that ends with Syncgate's arguments, such as the distribution's {@code bin/syncgate}.
 * Its configuration and output are files under {@link TestFiles}, deleted when it closes.
 */
public final class SyncgateProcess implements AutoCloseable {

  private final Process process;
  private final Path config;
  private final Path log;
  private final int port;
  private String closedOutput;

  private SyncgateProcess(Process process, Path config, Path log, int port) {
    this.process = process;
    this.config = config;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts the jar in front of {@code backends} (its IdP and SG stand-in, database {@code todo}) on
   * a free port, with the admin password and {@code env} in its environment.
   */
  public static SyncgateProcess inFrontOf(TestStack backends, Map<String, String> env, List<String> jvmOptions)
      throws IOException, InterruptedException {
    int port = FreePort.next();
    String yaml = TestStack.yaml(port, backends.idp.issuer(TestStack.ISSUER_ID), TestStack.AUDIENCE, backends.sg,
        List.of(TestStack.DB));
    Map<String, String> all = new java.util.HashMap<>(env);
    all.putIfAbsent("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD);
    return start(yaml, port, all, jvmOptions);
  }

  /** The public port it listens on. */
  public int port() {
    return port;
  }

  /** Starts the jar with {@code yaml} as its configuration file and waits until it listens on {@code port}. */
  public static SyncgateProcess start(String yaml, int port, Map<String, String> env, List<String> jvmOptions)
      throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("basedir", "."), "target", "syncgate.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: integration tests run after `package`");
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    return run(command, yaml, port, env);
  }

  /**
   * Runs {@code command --config FILE}, {@code yaml} in that file, and waits until it listens on
   * {@code port}.
   */
  public static SyncgateProcess run(List<String> command, String yaml, int port, Map<String, String> env)
      throws IOException, InterruptedException {
    Path config = TestFiles.file("syncgate", ".yaml");
    Files.writeString(config, yaml);
    Path log = TestFiles.file("syncgate", ".log");
    List<String> all = new ArrayList<>(command);
    all.addAll(List.of("--config", config.toString()));
    ProcessBuilder builder = new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    SyncgateProcess started = new SyncgateProcess(builder.start(), config, log, port);
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> started.listening() || !started.process.isAlive());
    } catch (ConditionTimeoutException e) {
      // Reported below with its output.
    }
    if (!started.listening()) {
      started.close();
      throw new IllegalStateException("Syncgate did not start listening on " + port + ":\n" + started.output());
    }
    return started;
  }

  private boolean listening() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Sends SIGTERM, as an orchestrator stopping it would, and answers the exit code, or null if still running after {@code bound}. */
  public Integer terminate(Duration bound) throws InterruptedException {
    process.destroy();
    return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  /** Sends SIGTERM and returns at once. */
  public void sigterm() throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
  }

  /** The exit code, or null if still running after {@code bound}. */
  public Integer exitWithin(Duration bound) throws InterruptedException {
    return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The process behind it, whose command line shows the JVM's options. */
  public ProcessHandle handle() {
    return process.toHandle();
  }

  public synchronized String output() throws IOException {
    return closedOutput != null ? closedOutput : Files.readString(log);
  }

  @Override
  public synchronized void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    if (closedOutput == null) {
      try {
        closedOutput = Files.readString(log);
      } catch (IOException e) {
        closedOutput = "";
      }
      TestFiles.delete(config);
      TestFiles.delete(log);
    }
  }
}
