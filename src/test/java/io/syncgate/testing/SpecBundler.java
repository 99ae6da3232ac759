package io.syncgate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Inlines every {@code $ref} of a multi-file OpenAPI document into one tree. Sync Gateway's spec
 * is written for Redocly, which accepts {@code responses: {$ref: ...}}; swagger-parser does not,
 * so the validator is given the bundled document instead of the files.
 */
final class SpecBundler {

  private static final int MAX_DEPTH = 64;

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final Map<Path, JsonNode> files = new HashMap<>();

  static JsonNode bundle(Path root) {
    SpecBundler bundler = new SpecBundler();
    Path file = root.toAbsolutePath().normalize();
    return bundler.resolve(bundler.read(file), file, 0);
  }

  private JsonNode resolve(JsonNode node, Path file, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalStateException("$ref chain too deep (a cycle?) in " + file);
    }
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null && ref.isTextual()) {
        String target = ref.asText();
        int hash = target.indexOf('#');
        String filePart = hash < 0 ? target : target.substring(0, hash);
        String pointer = hash < 0 ? "" : target.substring(hash + 1);
        Path targetFile = filePart.isEmpty() ? file : file.getParent().resolve(filePart).normalize();
        JsonNode referenced = read(targetFile).at(pointer);
        if (referenced.isMissingNode()) {
          throw new IllegalStateException("unresolvable $ref " + target + " in " + file);
        }
        return resolve(referenced, targetFile, depth + 1);
      }
      ObjectNode copy = yaml.createObjectNode();
      node.fields().forEachRemaining(field -> copy.set(field.getKey(), resolve(field.getValue(), file, depth)));
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = yaml.createArrayNode();
      node.forEach(item -> copy.add(resolve(item, file, depth)));
      return copy;
    }
    return node;
  }

  private JsonNode read(Path file) {
    return files.computeIfAbsent(file, f -> {
      try {
        return yaml.readTree(f.toFile());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read spec file " + f, e);
      }
    });
  }
}
