package io.syncgate.testing;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Sync Gateway's official OpenAPI spec, as the facts {@link SpecExtractor} kept of it in the test
 * resources ({@code sync-gateway-spec/}, with its source commit), loaded once per test run. The
 * stand-in checks every request it receives against it.
 */
public final class SyncGatewaySpec {

  private static final class Loaded {
    static final OpenApiInteractionValidator ADMIN = load("admin.json");
    static final OpenApiInteractionValidator PUBLIC = load("public.json");
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

  private static OpenApiInteractionValidator load(String root) {
    JsonNode bundled = read(root);
    // Only requests are checked. Some response schemas in the spec are not valid OpenAPI 3.0
    // (arrays without items), and swagger-parser refuses the whole document over them.
    bundled.get("paths").forEach(path -> path.forEach(operation -> {
      if (operation.has("responses")) {
        ((ObjectNode) operation).putObject("responses").putObject("default").put("description", "not checked");
      }
    }));
    // The spec lists only _rev in a _local document's body, but SG stores whatever JSON object it
    // is given (its handlePutLocalDoc stores the whole body read), as for any document.
    JsonNode local = bundled.at("/paths/~1{keyspace}~1_local~1{docid}/put/requestBody/content/application~1json/schema");
    if (local instanceof ObjectNode schema) {
      schema.putObject("additionalProperties");
    }
    try {
      return OpenApiInteractionValidator.createForInlineApiSpecification(bundled.toString()).build();
    } catch (OpenApiInteractionValidator.ApiLoadException e) {
      throw new IllegalStateException("cannot load " + root + ": " + e.getParseMessages(), e);
    }
  }

  private static JsonNode read(String root) {
    String resource = "/sync-gateway-spec/" + root;
    try (InputStream in = SyncGatewaySpec.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the test resources: run scripts/update-sg-spec");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
