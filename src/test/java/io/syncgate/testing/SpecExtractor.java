package io.syncgate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Turns Sync Gateway's published OpenAPI spec (the multi-file tree in couchbase/sync_gateway's
 * {@code docs/api}) into the test data the stand-in checks requests against: one self-contained
 * JSON document per API, every {@code $ref} inlined, and only the facts kept — paths, methods,
 * parameters, request bodies, schemas, status codes. Descriptions, summaries, examples and tags
 * are dropped. Run by {@code scripts/update-sg-spec}; its output is committed under
 * {@code src/test/resources/sync-gateway-spec}.
 */
public final class SpecExtractor {

  /** Prose keywords: what a reader of the spec needs, not what a validator checks. */
  private static final Set<String> PROSE = Set.of(
      "description", "summary", "example", "examples", "externalDocs", "tags", "x-enumDescriptions",
      "x-additionalPropertiesName", "x-tagGroups", "contact", "termsOfService");

  /** Objects whose keys are names (paths, properties, status codes), never keywords. */
  private static final Set<String> NAME_MAPS = Set.of(
      "paths", "properties", "responses", "headers", "content", "schemas", "parameters", "requestBodies",
      "securitySchemes", "variables", "encoding", "links", "callbacks", "patternProperties");

  private SpecExtractor() {}

  /** {@code SpecExtractor <spec dir holding docs/api and SOURCE.txt> <output dir>}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: SpecExtractor SPEC_DIR OUTPUT_DIR");
    }
    Path specDir = Path.of(args[0]);
    Path output = Path.of(args[1]);
    Files.createDirectories(output);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    for (String api : List.of("admin", "public")) {
      JsonNode facts = facts(SpecBundler.bundle(specDir.resolve("docs/api/" + api + ".yaml")), false);
      json.writeValue(output.resolve(api + ".json").toFile(), facts);
    }
    Files.writeString(output.resolve("SOURCE.txt"), source(specDir));
  }

  private static JsonNode facts(JsonNode node, boolean namesOnly) {
    if (node.isObject()) {
      ObjectNode copy = JsonNodeCopies.object();
      node.properties().forEach(field -> {
        String key = field.getKey();
        if (!namesOnly && PROSE.contains(key)) {
          return;
        }
        copy.set(key, facts(field.getValue(), !namesOnly && NAME_MAPS.contains(key)));
      });
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JsonNodeCopies.array();
      node.forEach(item -> copy.add(facts(item, false)));
      return copy;
    }
    return node;
  }

  private static String source(Path specDir) throws IOException {
    Path sourceFile = specDir.resolve("SOURCE.txt");
    StringBuilder text = new StringBuilder("""
        Facts (paths, methods, parameters, request bodies, schemas) of Couchbase Sync Gateway's published
        OpenAPI spec, docs/api/{admin,public}.yaml of github.com/couchbase/sync_gateway, with every $ref
        inlined and all prose (descriptions, summaries, examples, tags) removed. Made by
        scripts/update-sg-spec (io.syncgate.testing.SpecExtractor); do not edit by hand.
        The spec is licensed by Couchbase under the Business Source License 1.1, whose Change Date
        (July 1, 2025) has passed, so it is used here under the Apache License, Version 2.0.

        Source, as recorded beside the copy the files were made from:
        """);
    if (Files.isRegularFile(sourceFile)) {
      for (String line : Files.readAllLines(sourceFile)) {
        String trimmed = line.trim();
        if (trimmed.startsWith("Repository") || trimmed.startsWith("Commit") || trimmed.startsWith("Spec info.version")
            || trimmed.startsWith("Last commit touching")) {
          text.append("  ").append(trimmed).append('\n');
        }
      }
    } else {
      text.append("  (no SOURCE.txt found in ").append(specDir).append(")\n");
    }
    return text.toString();
  }

  private static final class JsonNodeCopies {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static ObjectNode object() {
      return MAPPER.createObjectNode();
    }

    static ArrayNode array() {
      return MAPPER.createArrayNode();
    }
  }
}
