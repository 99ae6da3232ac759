package io.syncgate.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds the YAML tree and the {@code SYNCGATE_*} environment into {@link ConfigFile} with
 * Jackson. The records are the schema: an environment variable is the upper-cased path of a key
 * ({@code SYNCGATE_SYNC_GATEWAY_ADMIN_URL}), entry {@code i} of a list of objects is
 * {@code _<i>_}, and a map's key sits in the middle ({@code SYNCGATE_PROVISIONING_TODO_ROLES}).
 * Binding never stops at the first problem: a problem handler records each one, naming its key,
 * and binding goes on, so one start reports all of them.
 */
final class ConfigBinder {

  private static final String ENV_PREFIX = "SYNCGATE_";
  /** Variables that are not configuration keys: logging, the config file's path, the scripts' tools. */
  private static final Set<String> READ_ELSEWHERE = Set.of("SYNCGATE_LOG_FORMAT", "SYNCGATE_LOG_LEVEL",
      "SYNCGATE_ACCESS_LOG_LEVEL", "SYNCGATE_CONFIG", "SYNCGATE_JAVA_HOME", "SYNCGATE_JAVA_OPTS", "SYNCGATE_NODE",
      "SYNCGATE_CHROMIUM");
  private static final Pattern ENTRY = Pattern.compile("(\\d{1,3})_(.+)");
  /** Where a map's keys stand in the documented key names; the one map section is keyed by database. */
  private static final String MAP_KEY = "{db}";
  /** The longest duration any key takes. */
  static final Duration MAX_DURATION = Duration.ofDays(365);

  private final ObjectMapper mapper;
  private final JavaType fileType;

  ConfigBinder() {
    // Scalars are read strictly, each problem recorded against its key: no 2 for true, no 80.5 for 80.
    SimpleModule scalars = new SimpleModule()
        .addDeserializer(Duration.class, new DurationText())
        .addDeserializer(Integer.class, new WholeNumber())
        .addDeserializer(Boolean.class, new TrueOrFalse());
    this.mapper = JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .addModule(scalars)
        .build();
    // An empty value ("key:" in YAML) is an unset one, whatever its type.
    mapper.coercionConfigDefaults().setCoercion(CoercionInputShape.EmptyString, CoercionAction.AsNull);
    this.fileType = mapper.constructType(ConfigFile.class);
  }

  static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /** Binds {@code root} (null: no file) with {@code env} laid over it; every problem goes to the result. */
  Bound bind(JsonNode root, Map<String, String> env) {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    List<String> early = new ArrayList<>();
    if (root != null && !root.isNull() && !root.isMissingNode()) {
      if (root.isObject()) {
        tree = (ObjectNode) root.deepCopy();
      } else {
        early.add("configuration file: expected a mapping of keys at the top level");
      }
    }
    Map<String, String> fromEnv = new LinkedHashMap<>();
    overlay(tree, env, fromEnv, early);
    for (BeanPropertyDefinition section : properties(fileType)) {
      // Every section is bound, if only to a record of unset keys, so that its defaults apply.
      JsonNode written = tree.get(section.getName());
      if (isRecord(section.getPrimaryType()) && !(written instanceof ObjectNode)) {
        if (written != null && !written.isNull()) {
          early.add(section.getName() + (written.isValueNode() ? " " + Problems.quote(written.asText()) : "")
              + ": expected a mapping of keys");
        }
        tree.putObject(section.getName());
      }
    }
    boolean listed = tree.get("oidc") instanceof ObjectNode oidc && oidc.has("issuers");
    Map<String, JsonNode> beside = listed ? removeIssuerKeys(tree) : Map.of();
    if (!listed) {
      moveSingleIssuer(tree);
    }
    Problems problems = new Problems(fromEnv, !listed);
    early.forEach(problems::add);
    beside.forEach((key, value) -> problems.add("oidc." + key, value.isValueNode() ? value.asText() : "",
        "set beside oidc.issuers: list every issuer there"));
    refuseUnknown("", tree, fileType, problems);
    ConfigFile file = null;
    try {
      // Bound from JSON text rather than the tree: its parser reports every key's path exactly.
      file = mapper.readerFor(fileType)
          .withHandler(new Recorder(problems))
          .withAttribute(Problems.class, problems)
          .readValue(mapper.writeValueAsString(tree));
    } catch (JsonMappingException e) {
      problems.add(path(e.getPath()), "", e.getOriginalMessage());
    } catch (JacksonException e) {
      problems.add("configuration file: " + e.getOriginalMessage());
    }
    return new Bound(file, problems);
  }

  record Bound(ConfigFile file, Problems problems) {}

  /** Every key Syncgate reads, in dotted form; docs/configuration.md documents each. */
  Set<String> keys() {
    Set<String> keys = new TreeSet<>();
    collectKeys("", fileType, keys);
    return keys;
  }

  private void collectKeys(String prefix, JavaType type, Set<String> keys) {
    for (BeanPropertyDefinition property : keysWritten(type)) {
      String key = prefix + property.getName();
      JavaType value = property.getPrimaryType();
      if (isRecord(value)) {
        collectKeys(key + ".", value, keys);
      } else if (value.isMapLikeType()) {
        collectKeys(key + "." + MAP_KEY + ".", value.getContentType(), keys);
      } else {
        keys.add(key);
      }
    }
  }

  /** The environment over the tree: each {@code SYNCGATE_*} name that is a key replaces that key's value. */
  private void overlay(ObjectNode tree, Map<String, String> env, Map<String, String> fromEnv, List<String> problems) {
    for (Map.Entry<String, String> variable : new TreeMap<>(env).entrySet()) {
      String name = variable.getKey();
      if (!name.startsWith(ENV_PREFIX)) {
        continue;
      }
      Deque<Object> path = new ArrayDeque<>();
      JavaType leaf = resolve(name.substring(ENV_PREFIX.length()), fileType, path);
      if (leaf == null) {
        if (!READ_ELSEWHERE.contains(name)) {
          // As an unknown key in the file: a misspelt variable would otherwise leave its default in force.
          String near = NearestKey.among(name, variables());
          problems.add(name + ": names no configuration key: "
              + (near != null ? "did you mean " + near + "?" : "see docs/configuration.md for the variables Syncgate reads"));
        }
        continue;
      }
      set(tree, new ArrayList<>(path), value(variable.getValue(), leaf));
      fromEnv.put(dotted(path), name);
    }
  }

  /** The key {@code rest} names under {@code type}, its path pushed onto {@code path}; null if none. */
  private JavaType resolve(String rest, JavaType type, Deque<Object> path) {
    for (BeanPropertyDefinition property : keysWritten(type)) {
      String token = property.getName().toUpperCase(Locale.ROOT);
      JavaType value = property.getPrimaryType();
      if (rest.equals(token) && !isRecord(value) && !value.isMapLikeType() && !isListOfRecords(value)) {
        path.addLast(property.getName());
        return value;
      }
      if (!rest.startsWith(token + "_")) {
        continue;
      }
      String tail = rest.substring(token.length() + 1);
      path.addLast(property.getName());
      JavaType found = null;
      if (isRecord(value)) {
        found = resolve(tail, value, path);
      } else if (isListOfRecords(value)) {
        Matcher entry = ENTRY.matcher(tail);
        if (entry.matches()) {
          path.addLast(Integer.parseInt(entry.group(1)));
          found = resolve(entry.group(2), value.getContentType(), path);
          if (found == null) {
            path.removeLast();
          }
        }
      } else if (value.isMapLikeType()) {
        for (int cut = tail.indexOf('_'); cut > 0 && found == null; cut = tail.indexOf('_', cut + 1)) {
          path.addLast(tail.substring(0, cut).toLowerCase(Locale.ROOT));
          found = resolve(tail.substring(cut + 1), value.getContentType(), path);
          if (found == null) {
            path.removeLast();
          }
        }
      }
      if (found != null) {
        return found;
      }
      path.removeLast();
    }
    return null;
  }

  /** The keys of a section; {@code oidc} also takes one issuer's keys (the single-issuer form). */
  private List<BeanPropertyDefinition> keysWritten(JavaType type) {
    List<BeanPropertyDefinition> all = new ArrayList<>(properties(type));
    if (type.getRawClass() == ConfigFile.Oidc.class) {
      all.addAll(properties(mapper.constructType(ConfigFile.Issuer.class)));
    }
    return all;
  }

  private List<BeanPropertyDefinition> properties(JavaType type) {
    return mapper.getDeserializationConfig().introspect(type).findProperties();
  }

  private static boolean isRecord(JavaType type) {
    return type.getRawClass().isRecord();
  }

  private static boolean isListOfRecords(JavaType type) {
    return type.isCollectionLikeType() && isRecord(type.getContentType());
  }

  /** An environment value: a list key takes comma-separated values. */
  private static JsonNode value(String text, JavaType leaf) {
    if (!leaf.isCollectionLikeType()) {
      return JsonNodeFactory.instance.textNode(text);
    }
    ArrayNode items = JsonNodeFactory.instance.arrayNode();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  private static void set(ObjectNode tree, List<Object> path, JsonNode value) {
    JsonNode node = tree;
    for (int i = 0; i < path.size() - 1; i++) {
      Object step = path.get(i);
      boolean nextIsIndex = path.get(i + 1) instanceof Integer;
      JsonNode child;
      if (step instanceof Integer index) {
        ArrayNode list = (ArrayNode) node;
        while (list.size() <= index) {
          list.addObject();
        }
        if (!list.get(index).isObject()) {
          list.set(index, JsonNodeFactory.instance.objectNode());
        }
        child = list.get(index);
      } else {
        ObjectNode object = (ObjectNode) node;
        child = object.get((String) step);
        if (nextIsIndex && (child == null || !child.isArray())) {
          child = object.putArray((String) step);
        } else if (!nextIsIndex && (child == null || !child.isObject())) {
          child = object.putObject((String) step);
        }
      }
      node = child;
    }
    ((ObjectNode) node).set((String) path.get(path.size() - 1), value);
  }

  /** Removes one issuer's keys written beside {@code oidc.issuers}: each, by name, with its value. */
  private Map<String, JsonNode> removeIssuerKeys(ObjectNode tree) {
    ObjectNode oidc = (ObjectNode) tree.get("oidc");
    Map<String, JsonNode> removed = new LinkedHashMap<>();
    for (String key : issuerKeys()) {
      JsonNode value = oidc.remove(key);
      if (value != null) {
        removed.put(key, value);
      }
    }
    return removed;
  }

  /**
   * The single-issuer form: moves one issuer's keys written under {@code oidc} into
   * {@code oidc.issuers[0]}, an entry of unset keys if there are none.
   */
  private void moveSingleIssuer(ObjectNode tree) {
    if (!(tree.get("oidc") instanceof ObjectNode oidc)) {
      return;
    }
    ObjectNode issuer = JsonNodeFactory.instance.objectNode();
    for (String key : issuerKeys()) {
      JsonNode value = oidc.remove(key);
      if (value != null) {
        issuer.set(key, value);
      }
    }
    oidc.putArray("issuers").add(issuer);
  }

  private List<String> issuerKeys() {
    return properties(mapper.constructType(ConfigFile.Issuer.class)).stream().map(BeanPropertyDefinition::getName).toList();
  }

  private static String dotted(Iterable<?> path) {
    StringBuilder key = new StringBuilder();
    for (Object step : path) {
      key.append(key.isEmpty() ? "" : ".").append(step);
    }
    return key.toString();
  }

  private static String path(List<JsonMappingException.Reference> references) {
    List<Object> steps = new ArrayList<>();
    for (JsonMappingException.Reference reference : references) {
      steps.add(reference.getFieldName() != null ? reference.getFieldName() : reference.getIndex());
    }
    return steps.isEmpty() ? "configuration file" : dotted(steps);
  }

  /** The dotted key of the value the parser stands on. */
  static String path(JsonParser parser) {
    Deque<Object> steps = new ArrayDeque<>();
    for (JsonStreamContext context = parser.getParsingContext(); context != null && !context.inRoot();
        context = context.getParent()) {
      if (context.inObject() && context.getCurrentName() != null) {
        steps.addFirst(context.getCurrentName());
      } else if (context.inArray() && context.getEntryCount() > 0) {
        // An array just opened (the parser on its '[') is the value itself, not an item of it.
        steps.addFirst(context.getCurrentIndex());
      }
    }
    return dotted(steps);
  }

  /**
   * Takes every key the schema does not know out of {@code node}, as a problem for each of its
   * leaves: usually a typo, and the key a reader looks for is its full path. Done here rather than
   * in the binding, where Jackson may replay a record's unknown keys out of their context.
   */
  private void refuseUnknown(String prefix, JsonNode node, JavaType type, Problems problems) {
    if (isRecord(type) && node instanceof ObjectNode object) {
      Map<String, JavaType> known = new LinkedHashMap<>();
      properties(type).forEach(property -> known.put(property.getName(), property.getPrimaryType()));
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JavaType value = known.get(name);
        if (value == null) {
          // Among every key written at this level: oidc's own and, in the single-issuer form, the issuer's.
          String near = NearestKey.among(name, keysWritten(type).stream().map(BeanPropertyDefinition::getName).toList());
          unknownLeaves(prefix + name, near == null ? null : prefix + near, true, object.remove(name), problems);
        } else {
          refuseUnknown(prefix + name + ".", object.get(name), value, problems);
        }
      }
    } else if (type.isMapLikeType() && node instanceof ObjectNode map) {
      map.properties().forEach(entry ->
          refuseUnknown(prefix + entry.getKey() + ".", entry.getValue(), type.getContentType(), problems));
    } else if (isListOfRecords(type) && node instanceof ArrayNode list) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).isNull() || list.get(i).isTextual() && list.get(i).textValue().isEmpty()) {
          problems.add(prefix + i, "", "is empty: expected a mapping of keys, like the other entries");
        }
        refuseUnknown(prefix + i + ".", list.get(i), type.getContentType(), problems);
      }
    }
  }

  /**
   * Each leaf of an unknown key, as a problem that suggests the key probably meant: the nearest
   * known key at the same level ({@code listen.basepath}: {@code listen.base_path}), the same
   * path under the nearest section ({@code sesion.max_ttl}: {@code session.max_ttl}), or the one
   * key elsewhere with the same name ({@code listen.admin_url}: {@code sync_gateway.admin_url}).
   */
  private void unknownLeaves(String key, String near, boolean sibling, JsonNode value, Problems problems) {
    if (value.isObject() && !value.isEmpty()) {
      value.properties().forEach(field -> unknownLeaves(key + "." + field.getKey(),
          near == null ? null : near + "." + field.getKey(), false, field.getValue(), problems));
    } else if (value.isArray() && !value.isEmpty() && value.get(0).isObject()) {
      for (int i = 0; i < value.size(); i++) {
        unknownLeaves(key + "." + i, near == null ? null : near + "." + i, false, value.get(i), problems);
      }
    } else {
      String meant = near != null && (sibling || isKey(near)) ? near
          : sameNameElsewhere(key.substring(key.lastIndexOf('.') + 1));
      problems.add(key, "", "unknown key: " + (meant != null ? "did you mean " + problems.display(meant) + "?"
          : "see docs/configuration.md for the keys Syncgate reads"));
    }
  }

  /** Whether {@code key} is one Syncgate reads, a database's name standing where a section is keyed by database. */
  private boolean isKey(String key) {
    Set<String> keys = keys();
    String[] steps = key.split("\\.", 3);
    return keys.contains(key) || steps.length == 3 && keys.contains(steps[0] + "." + MAP_KEY + "." + steps[2]);
  }

  /** The one key, outside sections keyed by database, whose last step is {@code name}; null if none or several. */
  private String sameNameElsewhere(String name) {
    List<String> found = keys().stream().filter(k -> !k.contains(MAP_KEY) && k.endsWith("." + name)).toList();
    return found.size() == 1 ? found.get(0) : null;
  }

  /** The environment variable of every key outside sections keyed by database. */
  private List<String> variables() {
    return keys().stream().filter(k -> !k.contains(MAP_KEY)).map(ConfigBinder::envName).toList();
  }

  /** Records each binding problem against its key, and lets binding go on with the value unset. */
  private static final class Recorder extends DeserializationProblemHandler {

    private final Problems problems;

    Recorder(Problems problems) {
      this.problems = problems;
    }

    @Override
    public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String value,
        String failureMsg) {
      problems.add(path(ctxt.getParser()), value, expected(targetType));
      return null;
    }

    @Override
    public Object handleWeirdNumberValue(DeserializationContext ctxt, Class<?> targetType, Number value,
        String failureMsg) {
      problems.add(path(ctxt.getParser()), String.valueOf(value), expected(targetType));
      return null;
    }

    @Override
    public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken token,
        JsonParser p, String failureMsg) throws IOException {
      String key = path(p);
      String shown = token.isScalarValue() ? p.getText() : "";
      p.skipChildren();
      problems.add(key, shown, expected(targetType.getRawClass()));
      return null;
    }

    @Override
    public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> instClass,
        ValueInstantiator valueInsts, JsonParser p, String msg) throws IOException {
      String key = path(p);
      String shown = p.currentToken() != null && p.currentToken().isScalarValue() ? p.getText() : "";
      p.skipChildren();
      problems.add(key, shown, expected(instClass));
      return null;
    }

    private static String expected(Class<?> type) {
      if (type == Integer.class || type == int.class) {
        return "not a whole number";
      } else if (type == Boolean.class || type == boolean.class) {
        return "not a boolean: use true or false";
      } else if (type == Duration.class) {
        return DurationText.PROBLEM;
      } else if (type == String.class) {
        return "expected a single value";
      } else if (List.class.isAssignableFrom(type)) {
        return "expected a list of values";
      }
      return "expected a mapping of keys";
    }
  }

  /** Durations as a number and a unit: {@code 250ms}, {@code 30s}, {@code 10m}, {@code 24h}, {@code 7d}. */
  private static final class DurationText extends StdScalarDeserializer<Duration> {

    static final String PROBLEM = "not a duration: write a number and a unit (ms, s, m, h, d), e.g. 30s";
    static final String TOO_LONG = "too long: at most 365d";
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

    DurationText() {
      super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.currentToken().isScalarValue()) {
        return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
      }
      String text = p.getText().trim();
      Matcher m = DURATION.matcher(text);
      if (text.isEmpty()) {
        return null;
      }
      if (!m.matches()) {
        return refuse(p, ctxt, text, PROBLEM);
      }
      long amount = Long.parseLong(m.group(1));
      Duration value = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
      // A bound every timer, deadline and cookie date can hold without overflowing.
      return value.compareTo(MAX_DURATION) > 0 ? refuse(p, ctxt, text, TOO_LONG) : value;
    }
  }

  /** Records a problem with the scalar the parser stands on; binding goes on with the key unset. */
  private static <T> T refuse(JsonParser p, DeserializationContext ctxt, String value, String problem) {
    ((Problems) ctxt.getAttribute(Problems.class)).add(path(p), value, problem);
    return null;
  }

  /** An {@code int}: a whole number, written as one or as text (from the environment). */
  private static final class WholeNumber extends StdScalarDeserializer<Integer> {

    WholeNumber() {
      super(Integer.class);
    }

    @Override
    public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken token = p.currentToken();
      if (!token.isScalarValue()) {
        return (Integer) ctxt.handleUnexpectedToken(Integer.class, p);
      }
      String text = p.getText().trim();
      if (text.isEmpty()) {
        return null;
      }
      try {
        return Integer.valueOf(text);
      } catch (NumberFormatException e) {
        return refuse(p, ctxt, text, text.matches("-?\\d+") ? "out of range: too large" : "not a whole number");
      }
    }
  }

  /** A boolean: {@code true} or {@code false}, never a number or another word. */
  private static final class TrueOrFalse extends StdScalarDeserializer<Boolean> {

    TrueOrFalse() {
      super(Boolean.class);
    }

    @Override
    public Boolean deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken token = p.currentToken();
      if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
        return token == JsonToken.VALUE_TRUE;
      }
      if (!token.isScalarValue()) {
        return (Boolean) ctxt.handleUnexpectedToken(Boolean.class, p);
      }
      String text = p.getText().trim();
      return switch (text.toLowerCase(Locale.ROOT)) {
        case "" -> null;
        case "true" -> true;
        case "false" -> false;
        default -> refuse(p, ctxt, text, "not a boolean: use true or false");
      };
    }
  }
}
