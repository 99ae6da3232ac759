package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.FreePort;
import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it: {@code target/syncgate-<version>.tar.gz} unpacked, and
 * {@code bin/syncgate} run as its README says — the version and commit, a check of the example
 * configuration, a Java too old named, and a real start in front of a stack, stopped by SIGTERM.
 */
@Timeout(120)
class DistributionIT {

  @TempDir
  static Path unpacked;
  private static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    Path archive;
    try (Stream<Path> targets = Files.list(Path.of(System.getProperty("basedir", "."), "target"))) {
      archive = targets.filter(p -> p.getFileName().toString().matches("syncgate-.+\\.tar\\.gz")).findFirst()
          .orElseThrow(() -> new IllegalStateException("target/syncgate-<version>.tar.gz is missing: it is made by `package`"));
    }
    Run tar = run(List.of("tar", "xzf", archive.toString(), "-C", unpacked.toString()), Map.of());
    assertThat(tar.code()).as(tar.output()).isZero();
    String folder = archive.getFileName().toString().replace(".tar.gz", "");
    home = unpacked.resolve(folder);
  }

  /** Runs a command to its end (at most a minute); its output is standard output and error together. */
  private record Run(int code, String output) {}

  private static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(1, TimeUnit.MINUTES)).as(String.join(" ", command) + " ended").isTrue();
    return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  private static Map<String, String> thisJava() {
    return Map.of("SYNCGATE_JAVA_HOME", System.getProperty("java.home"));
  }

  private String syncgate() {
    return home.resolve("bin/syncgate").toString();
  }

  @Test
  void theArchiveHoldsTheLauncherTheJarTheExampleConfigurationAndASystemdUnit() throws Exception {
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/syncgate"))).contains(PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    assertThat(home.resolve("lib/syncgate.jar")).isRegularFile();
    assertThat(home.resolve("config/syncgate.yaml")).hasSameTextualContentAs(Path.of("examples/syncgate.yaml"));
    assertThat(Files.readString(home.resolve("systemd/syncgate.service")))
        .contains("ExecStart=/opt/syncgate/bin/syncgate --config /etc/syncgate/syncgate.yaml")
        .contains("EnvironmentFile=-/etc/syncgate/syncgate.env")
        .contains("TimeoutStopSec=30");
    assertThat(home.resolve("docs/configuration.md")).isRegularFile();
  }

  @Test
  void versionNamesTheReleaseAndTheCommitItWasBuiltFrom() throws Exception {
    Run version = run(List.of(syncgate(), "--version"), thisJava());

    assertThat(version.code()).as(version.output()).isZero();
    String release = home.getFileName().toString().substring("syncgate-".length());
    assertThat(version.output().strip()).matches("syncgate " + release.replace(".", "\\.") + " \\(commit [0-9a-f]{7,}.*\\)");
  }

  @Test
  void theExampleConfigurationChecksAsValidWithItsSecretFromTheEnvironment() throws Exception {
    Run check = run(List.of(syncgate(), "--config", home.resolve("config/syncgate.yaml").toString(), "--check-config"),
        Map.of("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", "from-the-environment",
            "SYNCGATE_JAVA_HOME", System.getProperty("java.home")));

    assertThat(check.code()).as(check.output()).isZero();
    assertThat(check.output()).contains("configuration is valid");
  }

  @Test
  void aJavaOlderThan21IsNamedWithWhatIsNeeded(@TempDir Path old) throws Exception {
    // A stand-in for an old installation: a bin/java that reports Java 17 as the JVM does.
    Path java = Files.createDirectories(old.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\necho 'Property settings:' >&2\necho '    java.specification.version = 17' >&2\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

    Run tooOld = run(List.of(syncgate(), "--version"), Map.of("SYNCGATE_JAVA_HOME", old.toString()));

    assertThat(tooOld.code()).isEqualTo(1);
    assertThat(tooOld.output()).contains("syncgate: needs Java 21 or later; SYNCGATE_JAVA_HOME=" + old
        + " holds Java 17 (" + java + ")");
  }

  @Test
  void itServesInFrontOfAStackWithTheMeasuredJvmSettingsAndStopsCleanlyOnSigterm() throws Exception {
    try (TestStack backends = TestStack.backendsOnly()) {
      int port = FreePort.next();
      int management = FreePort.next();
      String yaml = TestStack.yaml(port, backends.idp.issuer(TestStack.ISSUER_ID), TestStack.AUDIENCE, backends.sg,
          List.of(TestStack.DB)).replace("  port: 0\n", "  port: " + management + "\n");
      SyncgateProcess syncgate = SyncgateProcess.run(List.of(syncgate()), yaml, port, Map.of(
          "SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD,
          "SYNCGATE_JAVA_HOME", System.getProperty("java.home"),
          "SYNCGATE_JAVA_OPTS", "-Xmx200m"));
      try {
        List<String> jvm = new ArrayList<>(List.of(syncgate.handle().info().arguments().orElseThrow()));
        assertThat(jvm).as("the launcher ran the JVM itself (exec), with its defaults first")
            .containsSubsequence("-XX:+ExitOnOutOfMemoryError", "-Xms64m", "-Xmx512m", "-Xmx200m", "-jar");
        if (Runtime.version().feature() >= 25) {
          assertThat(jvm).contains("-XX:+UseCompactObjectHeaders");
        }

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + TestStack.BASE + "/" + TestStack.DB + "/_session"))
            .header("authorization", "Bearer " + backends.token("distributed"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + management + "/readyz")).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode() == 200);

        syncgate.sigterm();

        assertThat(syncgate.exitWithin(Duration.ofSeconds(15))).as("exit code; output:%n%s", syncgate.output()).isZero();
        assertThat(syncgate.output()).contains("stopped");
      } finally {
        syncgate.close();
      }
      assertThat(backends.sg.specViolations()).isEmpty();
    }
  }
}
