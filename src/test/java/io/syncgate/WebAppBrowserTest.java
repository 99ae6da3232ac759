package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.FreePort;
import io.syncgate.testing.PouchDbClient;
import io.syncgate.testing.TestStack;
import io.syncgate.testing.WebApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The demo's web app in a real browser — Debian's Chromium, driven by Playwright
 * ({@code src/test/node/web-app.js}) — against the real stack: sign-in through the identity
 * provider's login page (authorization code + PKCE), todos syncing live between two browser
 * contexts through Syncgate, a context going offline and catching up, edits and deletions, another
 * user who sees none of the first one's todos (Sync Gateway's channels, as the demo sets them up),
 * sign-out stopping sync and clearing the browser's data when asked, and CORS as the browser
 * enforces it for a listed and an unlisted origin.
 */
class WebAppBrowserTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static WebApp app;

  @BeforeAll
  static void serveTheApp() throws Exception {
    int appPort = FreePort.next();
    // Each user's todos their own, as docs/web-apps.md sets up a real Sync Gateway.
    stack.sg.channels().enable(TestStack.DB);
    stack.restartSyncgate(yaml -> yaml + "cors:\n  todo:\n    origins: [\"http://127.0.0.1:" + appPort + "\"]\n"
        + "provisioning:\n  todo:\n    channels: [\"user-{name}\"]\n");
    app = WebApp.start(stack.vertx, appPort, stack.idp.issuer(TestStack.ISSUER_ID), TestStack.AUDIENCE,
        "http://127.0.0.1:" + stack.port() + "/sync", TestStack.DB);
  }

  @AfterAll
  static void stopTheApp() {
    app.close();
  }

  /** Each live todo in Sync Gateway's store, by title, with its channels. */
  private static Map<String, List<String>> storedChannels() {
    JsonObject all = stack.http.get(stack.store.url().getPort(), "/" + TestStack.DB + "/_all_docs?include_docs=true",
        Map.of()).json();
    Map<String, List<String>> channels = new HashMap<>();
    all.getJsonArray("rows").forEach(row -> {
      JsonObject doc = ((JsonObject) row).getJsonObject("doc");
      channels.put(doc.getString("title"), doc.getJsonArray("channels", new JsonArray()).stream()
          .map(String::valueOf).toList());
    });
    return channels;
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
    assertThat(seen.getBoolean("offlineBadgeWithinASecond")).as("the badge says offline within a second").isTrue();
    assertThat(seen.getBoolean("keptLocallyOffline")).isTrue();
    assertThat(seen.getBoolean("reachedOfflineContext")).as("nothing arrives while offline").isFalse();
    assertThat(seen.getBoolean("caughtUpAfterReconnect")).isTrue();
    assertThat(seen.getBoolean("offlineWriteDelivered")).isTrue();
    assertThat(seen.getBoolean("editArrived")).as("an edit reaches the other context").isTrue();
    assertThat(seen.getBoolean("deletionArrived")).as("a deletion reaches the other context").isTrue();
    assertThat(seen.getJsonArray("bobSees").getList()).as("another user sees none of alice's todos").isEmpty();
    assertThat(seen.getJsonArray("bobsLocalData").getList()).isEmpty();
    assertThat(seen.getBoolean("bobSynced")).isTrue();
    assertThat(seen.getBoolean("bobsTodoReachedAlice")).isFalse();
    assertThat(seen.getString("signOutQuestion")).contains("remove your todos from this browser");
    assertThat(seen.getString("stateAfterSignOut")).isEqualTo("signed-out");
    assertThat(seen.getInteger("sessionCookieAfterSignOut")).isZero();
    assertThat(seen.getString("remoteAfterSignOut")).isEqualTo("status 401");
    assertThat(seen.getBoolean("firstStillSyncs")).isTrue();
    assertThat(seen.getJsonArray("signedOutContextTitles").getList()).as("cleared at sign-out, and not synced since")
        .isEmpty();
    assertThat(seen.getJsonArray("keptAfterSignOutWithoutClearing").getList()).containsExactly("bob's own");
    assertThat(seen.getString("browserWebSocket")).isEqualTo("open: syncgate");
    assertThat(seen.getString("listedOriginError")).as("a listed origin reads even an error").isEqualTo("status 401");
    assertThat(seen.getString("unlistedOriginSignIn")).isEqualTo("refused: TypeError");
    assertThat(seen.getString("unlistedOriginRead")).isEqualTo("refused: TypeError");
    // Every todo reached Sync Gateway's store, through Syncgate, in its user's channel; edits and
    // deletions too.
    Map<String, List<String>> stored = storedChannels();
    assertThat(stored).containsOnlyKeys("buy oat milk", "written offline", "written while the other was offline",
        "after the other signed out", "bob's own");
    assertThat(stored).allSatisfy((title, channels) -> assertThat(channels)
        .containsExactly(title.equals("bob's own") ? "user-bob" : "user-alice"));
    if (screenshot != null) {
      assertThat(Files.size(Path.of(screenshot))).isPositive();
    }
  }
}
