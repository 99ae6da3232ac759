package io.syncgate.testing;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Sync Gateway's official OpenAPI spec ({@code shared/specs/sync-gateway}, from couchbase/sync_gateway),
 * loaded once per test run. The stand-in checks every admin request it receives against it.
 * The spec lives beside the project, not in it; {@code SYNCGATE_SG_SPEC_DIR} points elsewhere.
 */
public final class SyncGatewaySpec {

  private static final class Loaded {
    static final OpenApiInteractionValidator ADMIN = load("admin.yaml");
    static final OpenApiInteractionValidator PUBLIC = load("public.yaml");
  }

  private SyncGatewaySpec() {}

  /** The problems of {@code request} against the Admin API, empty when it conforms. */
  public static List<String> adminViolations(Request request) {
    return messages(Loaded.ADMIN.validateRequest(request));
  }

  /** The problems of {@code request} against the public API, empty when it conforms. */
  public static List<String> publicViolations(Request request) {
    return messages(Loaded.PUBLIC.validateRequest(request));
  }

  private static List<String> messages(ValidationReport report) {
    return report.getMessages().stream()
        .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
        .map(m -> m.getKey() + ": " + m.getMessage())
        .collect(Collectors.toList());
  }

  public static Path directory() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("SYNCGATE_SG_SPEC_DIR");
    if (configured != null) {
      candidates.add(Path.of(configured));
    }
    Path project = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    for (Path dir = project; dir != null; dir = dir.getParent()) {
      candidates.add(dir.resolve("shared/specs/sync-gateway"));
    }
    candidates.add(Path.of("/work/shared/specs/sync-gateway"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate.resolve("docs/api/admin.yaml"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("Sync Gateway's OpenAPI spec is not found in " + candidates
        + ": set SYNCGATE_SG_SPEC_DIR to the folder holding docs/api/admin.yaml");
  }

  private static OpenApiInteractionValidator load(String root) {
    JsonNode bundled = SpecBundler.bundle(directory().resolve("docs/api").resolve(root));
    // Only requests are checked. Some response schemas in the spec are not valid OpenAPI 3.0
    // (arrays without items), and swagger-parser refuses the whole document over them.
    bundled.get("paths").forEach(path -> path.forEach(operation -> {
      if (operation.has("responses")) {
        ((ObjectNode) operation).putObject("responses").putObject("default").put("description", "not checked");
      }
    }));
    try {
      return OpenApiInteractionValidator.createForInlineApiSpecification(bundled.toString()).build();
    } catch (OpenApiInteractionValidator.ApiLoadException e) {
      throw new IllegalStateException("cannot load " + root + ": " + e.getParseMessages(), e);
    }
  }
}
