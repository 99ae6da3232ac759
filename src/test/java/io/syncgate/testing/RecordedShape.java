package io.syncgate.testing;

import io.syncgate.testing.RecordedExchange.Answer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether an answer has the shape of the recorded one: status, interim responses, the recorded
 * headers (and none of the telling ones it lacks), the body's keys and types, and its literal
 * values, with these rules:
 *
 * <ul>
 *   <li>The README's placeholders ({@code <SID>}, {@code <TIME>}, {@code <CORRELATION-ID>})
 *       match values of their form; {@code "instance_start_time": "<TIME>"} matches an integer.
 *   <li>Values another store makes otherwise match by form and are then held to what they were
 *       first seen as, in every later case and request: revision ids ({@code N-<32 hex>}, same
 *       generation), {@code cv}s ({@code <16 hex>@<22 base64>}) and generated doc ids (32 hex).
 *   <li>Sequence numbers ({@code seq}, {@code last_seq}, {@code update_seq},
 *       {@code committed_update_seq}, the grant sequences in {@code userCtx.channels}) match by
 *       type: a number for a number, a string for a string.
 *   <li>{@code Server} matches by its {@code Couchbase Sync Gateway/} prefix and edition suffix;
 *       multipart boundaries by form.
 * </ul>
 */
final class RecordedShape {

  private static final Pattern REV = Pattern.compile("(\\d+)-([0-9a-f]{32})");
  private static final Pattern CV = Pattern.compile("[0-9a-f]{16}@[A-Za-z0-9+/]{22}");
  private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");
  private static final Set<String> SEQUENCES = Set.of("seq", "last_seq", "update_seq", "committed_update_seq");
  /** Headers whose absence in a recording says SG did not send them. */
  private static final List<String> TELLING = List.of("content-type", "www-authenticate", "set-cookie", "location",
      "etag", "cache-control");
  private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");

  /** Recorded value → this side's. */
  private final Map<String, String> learned = new LinkedHashMap<>();

  /** Rewrites recorded request text with what this side made of the same values. */
  String substitute(String text) {
    String result = text;
    for (Map.Entry<String, String> entry : learned.entrySet()) {
      result = result.replace(entry.getKey(), entry.getValue());
    }
    return result;
  }

  /** Holds {@code recorded} to mean {@code actual} from now on (a value written off the record). */
  void learn(String recorded, String actual) {
    learned.put(recorded, actual);
    Matcher r = REV.matcher(recorded);
    Matcher a = REV.matcher(actual);
    if (r.matches() && a.matches()) {
      learned.put(r.group(2), a.group(2));
    }
  }

  List<String> differences(RecordedExchange exchange, Answer answer) {
    List<String> out = new ArrayList<>();
    JsonObject response = exchange.response();
    if (response.getInteger("status") != answer.status()) {
      out.add("status: recorded " + response.getInteger("status") + ", got " + answer.status() + " " + answer.body());
    }
    List<Object> interim = response.getJsonArray("interim_responses", new JsonArray()).getList();
    if (!interim.equals(answer.interim())) {
      out.add("interim responses: recorded " + interim + ", got " + answer.interim());
    }
    JsonObject headers = response.getJsonObject("headers");
    for (String name : headers.fieldNames()) {
      String recorded = headers.getString(name);
      String actual = answer.headers().get(name);
      if (actual == null) {
        out.add("header " + name + ": recorded " + recorded + ", absent");
      } else if (!headerMatches(name, recorded, actual)) {
        out.add("header " + name + ": recorded " + recorded + ", got " + actual);
      }
    }
    for (String name : TELLING) {
      if (!headers.containsKey(name) && answer.headers().contains(name)) {
        out.add("header " + name + ": not recorded, got " + answer.headers().get(name));
      }
    }
    compareBody(exchange, answer, out);
    return out;
  }

  private boolean headerMatches(String name, String recorded, String actual) {
    return switch (name) {
      case "server" -> actual.startsWith("Couchbase Sync Gateway/")
          && actual.endsWith(recorded.substring(recorded.lastIndexOf(' ')));
      case "content-type" -> recorded.startsWith("multipart/")
          ? mediaType(recorded).equals(mediaType(actual)) && BOUNDARY.matcher(actual).find()
          : recorded.equals(actual);
      case "connection", "upgrade" -> recorded.equalsIgnoreCase(actual);
      case "etag" -> recorded.startsWith("\"") && actual.startsWith("\"")
          && stringMatches(unquote(recorded), unquote(actual));
      default -> stringMatches(recorded, actual);
    };
  }

  private void compareBody(RecordedExchange exchange, Answer answer, List<String> out) {
    Object recorded = exchange.response().getValue("body");
    if (recorded instanceof JsonObject || recorded instanceof JsonArray) {
      Object actual;
      try {
        actual = Json.decodeValue(answer.body());
      } catch (DecodeException e) {
        out.add("body: recorded JSON, got " + answer.body());
        return;
      }
      compare("body", null, recorded, actual, out);
      return;
    }
    String text = (String) recorded;
    String contentType = exchange.response().getJsonObject("headers").getString("content-type", "");
    if (contentType.startsWith("multipart/")) {
      compareMultipart("body", contentType, text, answer.headers().get("content-type"), answer.body(), out);
    } else if (exchange.response().containsKey("socket_reads")) {
      compareFeed(text, answer.body(), out);
    } else if (!stringMatches(text, answer.body())) {
      out.add("body: recorded " + Json.encode(text) + ", got " + Json.encode(answer.body()));
    }
  }

  /** A continuous feed: the same change lines, then (when the recording had them) bare newlines. */
  private void compareFeed(String recorded, String actual, List<String> out) {
    List<String> recordedLines = recorded.lines().filter(l -> !l.isEmpty()).toList();
    List<String> actualLines = actual.lines().filter(l -> !l.isEmpty()).toList();
    if (recordedLines.size() != actualLines.size()) {
      out.add("feed: recorded " + recordedLines.size() + " change lines, got " + Json.encode(actual));
      return;
    }
    for (int i = 0; i < recordedLines.size(); i++) {
      compare("feed line " + i, null, Json.decodeValue(recordedLines.get(i)), Json.decodeValue(actualLines.get(i)), out);
    }
    if (recorded.endsWith("\n\n") && !actual.endsWith("\n\n")) {
      out.add("feed: recorded a bare newline after the changes at once, got " + Json.encode(actual));
    }
  }

  private void compareMultipart(String path, String recordedType, String recorded, String actualType, String actual,
      List<String> out) {
    Matcher actualBoundary = BOUNDARY.matcher(actualType == null ? "" : actualType);
    Matcher recordedBoundary = BOUNDARY.matcher(recordedType);
    if (!recordedBoundary.find() || !actualBoundary.find()) {
      out.add(path + ": recorded " + recordedType + ", got " + actualType);
      return;
    }
    List<String[]> recordedParts = parts(recorded, recordedBoundary.group(1));
    List<String[]> actualParts = parts(actual, actualBoundary.group(1));
    if (recordedParts.size() != actualParts.size()) {
      out.add(path + ": recorded " + recordedParts.size() + " parts, got " + actualParts.size() + ": " + Json.encode(actual));
      return;
    }
    for (int i = 0; i < recordedParts.size(); i++) {
      String partPath = path + " part " + i;
      Map<String, String> recordedHead = head(recordedParts.get(i)[0]);
      Map<String, String> actualHead = head(actualParts.get(i)[0]);
      if (!recordedHead.keySet().equals(actualHead.keySet())) {
        out.add(partPath + " headers: recorded " + recordedHead + ", got " + actualHead);
        continue;
      }
      recordedHead.forEach((name, value) -> {
        if (!headerMatches(name, value, actualHead.get(name))) {
          out.add(partPath + " header " + name + ": recorded " + value + ", got " + actualHead.get(name));
        }
      });
      String type = recordedHead.getOrDefault("content-type", "");
      String recordedBody = recordedParts.get(i)[1];
      String actualBody = actualParts.get(i)[1];
      if (type.startsWith("multipart/")) {
        compareMultipart(partPath, type, recordedBody, actualHead.get("content-type"), actualBody, out);
      } else if (type.startsWith("application/json")) {
        try {
          compare(partPath, null, Json.decodeValue(recordedBody), Json.decodeValue(actualBody), out);
        } catch (DecodeException e) {
          out.add(partPath + ": recorded JSON, got " + Json.encode(actualBody));
        }
      } else if (!recordedBody.equals(actualBody)) {
        out.add(partPath + ": recorded " + Json.encode(recordedBody) + ", got " + Json.encode(actualBody));
      }
    }
  }

  /** Each part as {head, body}, between {@code --boundary} delimiters. */
  private static List<String[]> parts(String body, String boundary) {
    List<String[]> parts = new ArrayList<>();
    String[] pieces = body.split(Pattern.quote("--" + boundary), -1);
    for (int i = 1; i < pieces.length; i++) {
      String piece = pieces[i];
      if (piece.startsWith("--")) {
        break;
      }
      piece = piece.startsWith("\r\n") ? piece.substring(2) : piece;
      piece = piece.endsWith("\r\n") ? piece.substring(0, piece.length() - 2) : piece;
      int split = piece.indexOf("\r\n\r\n");
      parts.add(split < 0 ? new String[] {piece, ""} : new String[] {piece.substring(0, split), piece.substring(split + 4)});
    }
    return parts;
  }

  private static Map<String, String> head(String head) {
    Map<String, String> headers = new java.util.TreeMap<>();
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return headers;
  }

  private void compare(String path, String parentKey, Object recorded, Object actual, List<String> out) {
    if (recorded == null) {
      if (actual != null) {
        out.add(path + ": recorded null, got " + Json.encode(actual));
      }
    } else if (recorded instanceof JsonObject r) {
      if (!(actual instanceof JsonObject a)) {
        out.add(path + ": recorded an object, got " + Json.encode(actual));
        return;
      }
      if (!r.fieldNames().equals(a.fieldNames())) {
        out.add(path + ": recorded keys " + new TreeSet<>(r.fieldNames()) + ", got " + new TreeSet<>(a.fieldNames()));
      }
      for (String key : r.fieldNames()) {
        if (a.containsKey(key)) {
          compare(path + "." + key, key, r.getValue(key), a.getValue(key), out);
        }
      }
    } else if (recorded instanceof JsonArray r) {
      if (!(actual instanceof JsonArray a) || a.size() != r.size()) {
        out.add(path + ": recorded " + r.encode() + ", got " + Json.encode(actual));
        return;
      }
      for (int i = 0; i < r.size(); i++) {
        compare(path + "[" + i + "]", parentKey, r.getValue(i), a.getValue(i), out);
      }
    } else if (recorded instanceof Number r) {
      boolean sequence = parentKey != null && SEQUENCES.contains(parentKey) || path.contains(".userCtx.channels.");
      if (!(actual instanceof Number a) || (!sequence && r.doubleValue() != a.doubleValue())) {
        out.add(path + ": recorded " + r + ", got " + Json.encode(actual));
      }
    } else if (recorded instanceof String r) {
      boolean time = r.equals("<TIME>") && actual instanceof Number;
      boolean sequence = parentKey != null && SEQUENCES.contains(parentKey) && actual instanceof String a && a.matches("\\d+(:\\d+)*");
      if (!time && !sequence && !(actual instanceof String a && stringMatches(r, a))) {
        out.add(path + ": recorded " + Json.encode(r) + ", got " + Json.encode(actual));
      }
    } else if (!recorded.equals(actual)) {
      out.add(path + ": recorded " + Json.encode(recorded) + ", got " + Json.encode(actual));
    }
  }

  private boolean stringMatches(String recorded, String actual) {
    if (learned.containsKey(recorded)) {
      return learned.get(recorded).equals(actual);
    }
    if (recorded.equals(actual)) {
      return true;
    }
    if (recorded.contains("<SID>") || recorded.contains("<TIME>") || recorded.contains("<CORRELATION-ID>")) {
      String regex = Pattern.quote(recorded).replace("<SID>", "\\E[0-9a-f]{40}\\Q").replace("<TIME>", "\\E[^;]+\\Q")
          .replace("<CORRELATION-ID>", "\\E[0-9a-f]{8}\\Q");
      return actual.matches(regex);
    }
    Matcher r = REV.matcher(recorded);
    Matcher a = REV.matcher(actual);
    if (r.matches() && a.matches() && r.group(1).equals(a.group(1)) && !learned.containsValue(actual)) {
      learn(recorded, actual);
      return true;
    }
    if ((CV.matcher(recorded).matches() && CV.matcher(actual).matches())
        || (HEX32.matcher(recorded).matches() && HEX32.matcher(actual).matches())) {
      if (!learned.containsValue(actual)) {
        learn(recorded, actual);
        return true;
      }
    }
    return false;
  }

  private static String mediaType(String contentType) {
    return contentType.split(";")[0].trim();
  }

  private static String unquote(String value) {
    return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1)
        : value;
  }
}
