package io.syncgate.pouchdb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generated JSON documents for the streaming rewriters' properties, written as a backend might
 * write them: any spacing, every escape, raw UTF-8 of every length, surrogate pairs, numbers with
 * exponents, deep nesting, long strings, duplicate member names, and top-level {@code _} members
 * PouchDB takes and refuses. {@link #parse} reads JSON into a value that keeps member order and
 * duplicates, so two texts compare equal exactly when they say the same.
 */
final class JsonDocuments {

  /** An object as written: its members in order, duplicates kept. */
  record Members(List<Map.Entry<String, Object>> members) {}

  /** A number as written (a rewriter must not re-format it). */
  record Number(String text) {}

  private static final String[] SPACES = {"", "", "", " ", "\n", "\r\n  ", "\t"};
  private static final String[] TOP_NAMES = {"_id", "_rev", "_cv", "_x", "_attachments", "_deleted", "_revisions",
      "_\\u0063v", "_removed", "_purged", "n", "a", "text", "_", "__proto__", "_id"};

  private final Random random;
  private final int maxDepth;

  JsonDocuments(Random random, int maxDepth) {
    this.random = random;
    this.maxDepth = maxDepth;
  }

  /** A document: an object whose top-level names are drawn from {@link #TOP_NAMES}, duplicates and all. */
  String document() {
    StringBuilder out = new StringBuilder("{").append(space());
    int members = random.nextInt(8);
    for (int i = 0; i < members; i++) {
      if (i > 0) {
        out.append(space()).append(',').append(space());
      }
      out.append('"').append(TOP_NAMES[random.nextInt(TOP_NAMES.length)]).append('"').append(space()).append(':')
          .append(space());
      value(out, 1);
    }
    return out.append(space()).append('}').toString();
  }

  void value(StringBuilder out, int depth) {
    int kind = depth >= maxDepth ? 2 + random.nextInt(4) : random.nextInt(7);
    switch (kind) {
      case 0, 6 -> {
        out.append('{').append(space());
        int members = random.nextInt(4);
        for (int i = 0; i < members; i++) {
          if (i > 0) {
            out.append(',').append(space());
          }
          if (random.nextInt(3) == 0) {
            out.append("\"_cv\"");
          } else {
            string(out, 12);
          }
          out.append(space()).append(':').append(space());
          value(out, depth + 1);
        }
        out.append(space()).append('}');
      }
      case 1 -> {
        out.append('[').append(space());
        int items = random.nextInt(4);
        for (int i = 0; i < items; i++) {
          if (i > 0) {
            out.append(space()).append(',');
          }
          value(out, depth + 1);
        }
        out.append(']');
      }
      case 2 -> string(out, random.nextInt(50) == 0 ? 70_000 + random.nextInt(1000) : random.nextInt(12));
      case 3 -> number(out);
      case 4 -> out.append(random.nextBoolean() ? "true" : random.nextBoolean() ? "false" : "null");
      default -> {
        // A long nesting run, as a hostile document might have.
        int run = 1 + random.nextInt(Math.max(1, maxDepth - depth));
        out.append("[".repeat(run));
        number(out);
        out.append("]".repeat(run));
      }
    }
  }

  /** A string of {@code length} characters of every kind a backend may write: escapes, UTF-8 of each length. */
  void string(StringBuilder out, int length) {
    out.append('"');
    {
      for (int i = 0; i < length; i++) {
        switch (random.nextInt(10)) {
          case 0 -> out.append(new String[] {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"}[random.nextInt(8)]);
          case 1 -> out.append(String.format("\\u%04x", random.nextInt(0xd800)));
          case 2 -> out.append("\\ud83d\\ude00");
          case 3 -> out.append((char) (0xa0 + random.nextInt(0x700)));
          case 4 -> out.append((char) (0x800 + random.nextInt(0xd000)));
          case 5 -> out.appendCodePoint(0x10000 + random.nextInt(0xfffff));
          default -> {
            char c = (char) (0x20 + random.nextInt(0x5f));
            out.append(c == '"' || c == '\\' ? 'q' : c);
          }
        }
      }
    }
    out.append('"');
  }

  void number(StringBuilder out) {
    out.append(random.nextBoolean() ? "-" : "").append(random.nextInt(5) == 0 ? "0" : Integer.toString(1 + random.nextInt(99999)));
    if (random.nextBoolean()) {
      out.append('.').append(random.nextInt(1000));
    }
    if (random.nextBoolean()) {
      out.append(random.nextBoolean() ? 'e' : 'E').append(new String[] {"", "+", "-"}[random.nextInt(3)])
          .append(random.nextInt(400));
    }
  }

  private String space() {
    return SPACES[random.nextInt(SPACES.length)];
  }

  /** Reads JSON text into {@link Members}, lists, strings, {@link Number}s, booleans and null. */
  static Object parse(byte[] json) throws IOException {
    try (JsonParser parser = new JsonFactory().createParser(json)) {
      Object value = read(parser, parser.nextToken());
      if (parser.nextToken() != null) {
        throw new IOException("more than one value");
      }
      return value;
    }
  }

  private static Object read(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case START_OBJECT -> {
        List<Map.Entry<String, Object>> members = new ArrayList<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          members.add(new SimpleEntry<>(name, read(parser, parser.nextToken())));
        }
        yield new Members(members);
      }
      case START_ARRAY -> {
        List<Object> items = new ArrayList<>();
        JsonToken next;
        while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
          items.add(read(parser, next));
        }
        yield items;
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new Number(parser.getText());
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> "null-literal";
      default -> throw new IOException("unexpected " + token);
    };
  }

  /** A document less its top-level members PouchDB refuses: what a filter must leave. */
  static Members withoutRefused(Members document) {
    List<Map.Entry<String, Object>> kept = new ArrayList<>();
    for (Map.Entry<String, Object> member : document.members()) {
      if (!member.getKey().startsWith("_") || DocumentFilter.POUCHDB_MEMBERS.contains(member.getKey())) {
        kept.add(member);
      }
    }
    return new Members(kept);
  }
}
