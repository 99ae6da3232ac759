package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.TestStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(Map<String, String> env, String... args) {
    return new CommandLine(new Main(env))
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
  }

  @Test
  void aBrokenConfigurationStopsTheStartWithEveryProblemNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("syncgate.yaml");
    Files.writeString(file, "oidc:\n  issuer: https://idp.example.com\nlisten:\n  prot: 80\n");

    int code = run(Map.of(), "--config", file.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("oidc.audiences: missing")
        .contains("sync_gateway.public_url: missing")
        .contains("listen.prot: unknown key");
  }

  @Test
  void checkConfigValidatesAndExitsWithoutListening(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("syncgate.yaml");
    Files.writeString(file, """
        oidc:
          issuer: https://idp.example.com
          audiences: [app]
        sync_gateway:
          public_url: http://127.0.0.1:4984
          admin_url: http://127.0.0.1:4985
          databases: [todo]
        """);

    int code = run(Map.of(), "--check-config", "--config", file.toString());

    assertThat(code).isZero();
    assertThat(out.toString()).contains("configuration is valid");
  }

  @Test
  void versionNamesTheReleaseAndTheCommitItWasBuiltFrom() {
    int code = run(Map.of(), "--version");

    assertThat(code).isZero();
    assertThat(out.toString().strip()).matches("syncgate \\d+\\.\\d+\\.\\d+\\S* \\(commit [0-9a-f]{7,}.*\\)");
  }

  @Test
  void checkConfigWithConnectAsksTheProviderAndSyncGatewayAndSaysWhatIsWrong(@TempDir Path dir) throws Exception {
    try (TestStack backends = TestStack.backendsOnly()) {
      Path file = dir.resolve("syncgate.yaml");
      Files.writeString(file, TestStack.yaml(0, backends.idp.issuer(TestStack.ISSUER_ID), TestStack.AUDIENCE,
          backends.sg, List.of(TestStack.DB, "nosuchdb")));
      Map<String, String> env = Map.of("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD);
      String admin = "Sync Gateway's admin API " + backends.sg.adminUrl();

      assertThat(run(env, "--check-config", "--connect", "--config", file.toString())).isEqualTo(1);
      assertThat(err.toString()).contains("configuration is valid, but:")
          .contains(admin + ", database nosuchdb: has no such database (404): check sync_gateway.databases")
          .doesNotContain("database todo");

      Files.writeString(file, Files.readString(file).replace(", nosuchdb", ""));
      assertThat(run(env, "--check-config", "--connect", "--config", file.toString())).isZero();
      assertThat(out.toString()).contains("configuration is valid; the identity provider's keys load and Sync"
          + " Gateway serves [todo] to Syncgate's admin credentials");

      err.getBuffer().setLength(0);
      assertThat(run(Map.of("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", "wrong"), "--check-config", "--connect",
          "--config", file.toString())).isEqualTo(1);
      assertThat(err.toString()).contains(admin + ", database todo: refused Syncgate's credentials (401)");

      err.getBuffer().setLength(0);
      backends.sg.stopAdmin();
      backends.idp.close();
      assertThat(run(env, "--check-config", "--connect", "--config", file.toString())).isEqualTo(1);
      assertThat(err.toString()).contains(admin + ", database todo: unreachable: connection refused")
          .contains("identity provider " + backends.idp.issuer(TestStack.ISSUER_ID) + ": cannot load its signing keys");
      backends.sg.startAdmin();
      backends.idp.restart();
      assertThat(backends.sg.specViolations()).isEmpty();
    }
  }

  @Test
  void connectGoesWithCheckConfig() {
    assertThat(run(Map.of(), "--connect")).isEqualTo(2);
    assertThat(err.toString()).contains("--connect goes with --check-config");
  }

  @Test
  void theConfigurationFileCanComeFromTheEnvironment(@TempDir Path dir) {
    int code = run(Map.of("SYNCGATE_CONFIG", dir.resolve("missing.yaml").toString()), "--check-config");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("missing.yaml: cannot be read");
  }
}
