package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
  void theConfigurationFileCanComeFromTheEnvironment(@TempDir Path dir) {
    int code = run(Map.of("SYNCGATE_CONFIG", dir.resolve("missing.yaml").toString()), "--check-config");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("missing.yaml: cannot be read");
  }
}
