package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.syncgate.config.ConfigLoader;
import io.syncgate.config.SyncgateConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/kubernetes} against the configuration reference: the ConfigMap's file and the
 * Deployment's environment load as Syncgate loads them (an unknown key or variable would fail),
 * and ports, probe paths, the Service, the grace period and the resources agree with them.
 */
class KubernetesManifestsTest {

  private static final Path DIR = Path.of("deploy/kubernetes");
  private static final Map<String, JsonNode> byKind = new HashMap<>();
  private static JsonNode container;
  private static SyncgateConfig config;

  @BeforeAll
  static void load() throws Exception {
    YAMLMapper yaml = new YAMLMapper();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        JsonNode manifest = yaml.readTree(file.toFile());
        byKind.put(manifest.path("kind").asText(), manifest);
      }
    }
    container = byKind.get("Deployment").at("/spec/template/spec/containers/0");
    config = ConfigLoader.parse(byKind.get("ConfigMap").at("/data/syncgate.yaml").asText(), environment());
  }

  /** The container's environment as the pod gets it, each Secret reference replaced by that Secret's value. */
  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    for (JsonNode variable : container.path("env")) {
      JsonNode secret = variable.at("/valueFrom/secretKeyRef");
      if (secret.isMissingNode()) {
        env.put(variable.get("name").asText(), variable.get("value").asText());
      } else {
        JsonNode value = byKind.get("Secret").at("/stringData/" + secret.get("key").asText());
        assertThat(secret.get("name").asText()).isEqualTo(byKind.get("Secret").at("/metadata/name").asText());
        assertThat(value.isTextual()).as("the Secret holds " + secret.get("key")).isTrue();
        env.put(variable.get("name").asText(), value.asText());
      }
    }
    return env;
  }

  private static JsonNode port(String name) {
    for (JsonNode port : container.path("ports")) {
      if (port.path("name").asText().equals(name)) {
        return port;
      }
    }
    throw new AssertionError("the container has no port named " + name);
  }

  @Test
  void theConfigMapAndTheEnvironmentAreAValidConfigurationWithEveryVariableDocumented() throws IOException {
    String docs = Files.readString(Path.of("docs/configuration.md"));

    assertThat(config.management().host()).as("the management listener, where the kubelet probes").isEqualTo("0.0.0.0");
    assertThat(container.path("env")).allSatisfy(variable ->
        assertThat(docs).contains("`" + variable.get("name").asText() + "`"));
  }

  @Test
  void containerPortsAndProbesMatchTheConfiguredListeners() {
    assertThat(port("http").get("containerPort").asInt()).isEqualTo(config.listen().port());
    assertThat(port("management").get("containerPort").asInt()).isEqualTo(config.management().port());
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertThat(container.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("management");
    }
  }

  @Test
  void theServiceExposesClientTrafficOnlyNeverTheManagementPort() {
    JsonNode service = byKind.get("Service");
    List<String> targets = new ArrayList<>();
    service.at("/spec/ports").forEach(port -> targets.add(port.get("targetPort").asText()));

    assertThat(targets).containsExactly("http");
    assertThat(targets).doesNotContain("management", Integer.toString(config.management().port()));
    JsonNode podLabels = byKind.get("Deployment").at("/spec/template/metadata/labels");
    assertThat(service.at("/spec/selector")).isEqualTo(podLabels);
    assertThat(byKind.get("PodDisruptionBudget").at("/spec/selector/matchLabels")).isEqualTo(podLabels);
    assertThat(byKind.get("Deployment").at("/spec/selector/matchLabels")).isEqualTo(podLabels);
  }

  @Test
  void theGracePeriodCoversThePreStopWaitTheDrainAndTheStop() {
    JsonNode preStop = container.at("/lifecycle/preStop/exec/command");
    assertThat(preStop.get(0).asText()).isEqualTo("sleep");
    long wait = preStop.get(1).asLong();
    long grace = byKind.get("Deployment").at("/spec/template/spec/terminationGracePeriodSeconds").asLong();

    assertThat(wait).isPositive();
    assertThat(grace).isGreaterThanOrEqualTo(wait + config.shutdown().drainTimeout().toSeconds()
        + Main.SHUTDOWN_MARGIN.toSeconds());
  }

  @Test
  void theConfigurationIsMountedWhereTheCommandReadsIt() {
    List<String> command = new ArrayList<>();
    container.path("command").forEach(part -> command.add(part.asText()));
    JsonNode mount = container.path("volumeMounts").get(0);
    JsonNode volume = byKind.get("Deployment").at("/spec/template/spec/volumes/0");

    assertThat(command).containsSubsequence("/opt/syncgate/bin/syncgate", "--config",
        mount.get("mountPath").asText() + "/syncgate.yaml");
    assertThat(volume.get("name").asText()).isEqualTo(mount.get("name").asText());
    assertThat(volume.at("/configMap/name").asText()).isEqualTo(byKind.get("ConfigMap").at("/metadata/name").asText());
  }

  @Test
  void memoryIsSizedForTheLaunchersHeapAsMeasured() {
    // bin/syncgate's -Xmx512m: 475 MiB resident with 9,800 idle feeds, 263 MB under request load.
    assertThat(mebibytes(container.at("/resources/limits/memory").asText())).isGreaterThanOrEqualTo(768);
    assertThat(container.at("/resources/requests/memory")).isEqualTo(container.at("/resources/limits/memory"));
    assertThat(config.inbound().maxConnections()).as("client connections sized to the heap, ~25 KB per feed")
        .isBetween(1, 512 * 1024 / 25);
  }

  @Test
  void theKustomizationListsEveryManifest() throws IOException {
    List<String> listed = new ArrayList<>();
    new YAMLMapper().readTree(DIR.resolve("kustomization.yaml").toFile()).path("resources")
        .forEach(resource -> listed.add(resource.asText()));
    try (Stream<Path> files = Files.list(DIR)) {
      assertThat(listed).containsExactlyInAnyOrderElementsOf(files.map(f -> f.getFileName().toString())
          .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml")).toList());
    }
  }

  private static int mebibytes(String quantity) {
    if (quantity.endsWith("Gi")) {
      return Integer.parseInt(quantity.substring(0, quantity.length() - 2)) * 1024;
    }
    assertThat(quantity).endsWith("Mi");
    return Integer.parseInt(quantity.substring(0, quantity.length() - 2));
  }
}
