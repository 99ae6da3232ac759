package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.FreePort;
import io.syncgate.testing.PouchDbClient;
import io.syncgate.testing.TestStack;
import io.syncgate.testing.WebApp;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The demo's web app in a real browser — Debian's Chromium, driven by Playwright
 * ({@code src/test/node/web-app.js}) — against the real stack: sign-in through the identity
 * provider's login page (authorization code + PKCE), todos syncing live between two browser
 * contexts through Syncgate, a context going offline and catching up, sign-out stopping sync, and
 * CORS as the browser enforces it for a listed and an unlisted origin.
 */
class WebAppBrowserTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static WebApp app;

  @BeforeAll
  static void serveTheApp() throws Exception {
    int appPort = FreePort.next();
    stack.restartSyncgate(yaml -> yaml + "cors:\n  todo:\n    origins: [\"http://127.0.0.1:" + appPort + "\"]\n");
    app = WebApp.start(stack.vertx, appPort, stack.idp.issuer(TestStack.ISSUER_ID), TestStack.AUDIENCE,
        "http://127.0.0.1:" + stack.port() + "/sync", TestStack.DB);
  }

  @AfterAll
  static void stopTheApp() {
    app.close();
  }

  private static String chromium() {
    String path = System.getenv().getOrDefault("SYNCGATE_CHROMIUM", "/usr/bin/chromium");
    assertThat(Path.of(path)).as("Chromium, from Debian's package (apt-get install chromium; .ci/run does it)")
        .isExecutable();
    return path;
  }

  @Test
  void aUserSignsInSyncsTwoBrowsersWorksOfflineAndSignsOut() throws Exception {
    JsonObject options = new JsonObject()
        .put("app", "http://127.0.0.1:" + app.port() + "/")
        .put("unlistedApp", "http://localhost:" + app.port() + "/")
        .put("syncgate", "http://127.0.0.1:" + stack.port() + "/sync")
        .put("chromium", chromium());
    String screenshot = System.getProperty("syncgate.screenshot");
    if (screenshot != null) {
      options.put("screenshot", Path.of(screenshot).toAbsolutePath().toString());
    }

    JsonObject seen = PouchDbClient.run("web-app.js", options);

    assertThat(seen.getString("failure")).as("the browser run: " + seen).isNull();
    assertThat(seen.getJsonArray("errors")).as("script errors on the pages").isEmpty();
    assertThat(seen.getBoolean("aliceSynced")).as("signed in and synced in both contexts").isTrue();
    assertThat(seen.getString("user")).isEqualTo("alice");
    assertThat(seen.getBoolean("arrivedInSecondContext")).isTrue();
    assertThat(seen.getBoolean("arrivedInFirstContext")).isTrue();
    assertThat(seen.getBoolean("keptLocallyOffline")).isTrue();
    assertThat(seen.getBoolean("reachedOfflineContext")).as("nothing arrives while offline").isFalse();
    assertThat(seen.getBoolean("caughtUpAfterReconnect")).isTrue();
    assertThat(seen.getBoolean("offlineWriteDelivered")).isTrue();
    assertThat(seen.getString("stateAfterSignOut")).isEqualTo("signed-out");
    assertThat(seen.getInteger("sessionCookieAfterSignOut")).isZero();
    assertThat(seen.getString("remoteAfterSignOut")).isEqualTo("status 401");
    assertThat(seen.getBoolean("firstStillSyncs")).isTrue();
    assertThat(seen.getJsonArray("signedOutContextTitles").getList())
        .contains("buy milk", "written offline").doesNotContain("after the other signed out");
    assertThat(seen.getString("browserWebSocket")).isEqualTo("open: syncgate");
    assertThat(seen.getString("listedOriginError")).as("a listed origin reads even an error").isEqualTo("status 401");
    assertThat(seen.getString("unlistedOriginSignIn")).isEqualTo("refused: TypeError");
    assertThat(seen.getString("unlistedOriginRead")).isEqualTo("refused: TypeError");
    // Every todo reached Sync Gateway's store, through Syncgate.
    assertThat(stack.store.allDocTitles(TestStack.DB)).contains("buy milk", "walk the dog", "written offline",
        "written while the other was offline", "after the other signed out");
    if (screenshot != null) {
      assertThat(Files.size(Path.of(screenshot))).isPositive();
    }
  }
}
