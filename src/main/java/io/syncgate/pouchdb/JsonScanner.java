package io.syncgate.pouchdb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Finds the structure of a JSON stream — where each container, member name and scalar starts
 * and ends, by absolute byte offset — as the bytes arrive, holding nothing of a value but its
 * state. Jackson's non-blocking parser, which the filter first used, buffers every string whole
 * (an inline attachment is megabytes) and misreports where tokens start; the filter needs only
 * offsets and short member names. Names are decoded by Jackson. Malformed JSON — bad UTF-8 in a
 * string, nesting deeper than {@link #MAX_DEPTH} — throws {@link IllegalStateException}, which
 * fails the one exchange. Several root values in a row are allowed (a continuous feed).
 */
final class JsonScanner {

  /** What the scanner reports, in stream order. */
  interface Tokens {
    void startContainer(boolean object, long start, long end);

    void endContainer(boolean object, long start, long end);

    /** A member name; {@code name} is null when longer than any name the filter looks for. */
    void name(String name, long start, long end);

    /** A scalar; {@code text} is the string's value when {@link #captureNextString} asked for it. */
    void scalar(long start, long end, String text);
  }

  /** Deeper than SG itself would nest; enough to keep a hostile document from costing memory. */
  static final int MAX_DEPTH = 10_000;
  private static final int MAX_NAME_BYTES = 256;
  private static final int MAX_CAPTURED_BYTES = 64 * 1024;
  private static final JsonFactory JSON = new JsonFactory();

  private enum State { VALUE, FIRST_VALUE_OR_END, FIRST_NAME_OR_END, NAME, COLON, AFTER_VALUE, STRING, ESCAPE, UNICODE,
    NUMBER, LITERAL }

  private final Tokens tokens;
  private State state = State.VALUE;
  private boolean[] objects = new boolean[64];
  private int depth;
  private long offset;
  private long tokenStart;
  private boolean stringIsName;
  private int unicodeLeft;
  private byte[] literal;
  private int literalAt;
  private final ByteArrayOutputStream text = new ByteArrayOutputStream();
  private boolean collecting;
  private boolean tooLong;
  private boolean captureNext;
  private int roots;
  private final int maxNameBytes;
  /** Continuation bytes a UTF-8 sequence still needs, and the range the next one must fall in. */
  private int utf8Left;
  private int utf8Low = 0x80;
  private int utf8High = 0xbf;

  JsonScanner(Tokens tokens) {
    this(tokens, MAX_NAME_BYTES);
  }

  /** @param maxNameBytes the longest member name decoded; longer ones reach {@link Tokens#name} as null */
  JsonScanner(Tokens tokens, int maxNameBytes) {
    this.tokens = tokens;
    this.maxNameBytes = maxNameBytes;
  }

  /** Makes the next string scalar's value reach {@link Tokens#scalar} (if at most 64 KB). */
  void captureNextString() {
    captureNext = true;
  }

  /** How many root values began so far. */
  int roots() {
    return roots;
  }

  void feed(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (!step(b)) {
        // A number ended at a byte that belongs to what follows: read that byte again.
        step(b);
      }
      offset++;
    }
  }

  void end() {
    if (state == State.NUMBER) {
      endScalar(offset);
    }
    if (depth > 0 || state != State.VALUE && state != State.AFTER_VALUE) {
      throw malformed("ends inside a value");
    }
  }

  /** Consumes one byte; false when the byte ended a number and must be read again. */
  private boolean step(byte b) {
    switch (state) {
      case STRING -> {
        if (utf8Left > 0 || b < 0) {
          utf8(b & 0xff);
          collect(b);
        } else if (b == '"') {
          endString();
        } else if (b == '\\') {
          collect(b);
          state = State.ESCAPE;
        } else if ((b & 0xff) < 0x20) {
          throw malformed("has a control character in a string");
        } else {
          collect(b);
        }
      }
      case ESCAPE -> {
        collect(b);
        if (b == 'u') {
          unicodeLeft = 4;
          state = State.UNICODE;
        } else if ("\"\\/bfnrt".indexOf(b) >= 0) {
          state = State.STRING;
        } else {
          throw malformed("has an invalid escape");
        }
      }
      case UNICODE -> {
        if (Character.digit(b, 16) < 0) {
          throw malformed("has an invalid \\u escape");
        }
        collect(b);
        if (--unicodeLeft == 0) {
          state = State.STRING;
        }
      }
      case NUMBER -> {
        if (b >= '0' && b <= '9' || b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-') {
          return true;
        }
        endScalar(offset);
        return false;
      }
      case LITERAL -> {
        if (b != literal[literalAt++]) {
          throw malformed("has an unknown literal");
        }
        if (literalAt == literal.length) {
          endScalar(offset + 1);
        }
      }
      default -> structural(b);
    }
    return true;
  }

  /** RFC 3629's well-formed sequences: no overlong forms, no surrogates, nothing past U+10FFFF. */
  private void utf8(int b) {
    if (utf8Left > 0) {
      if (b < utf8Low || b > utf8High) {
        throw malformed("has a string that is not UTF-8");
      }
      utf8Left--;
      utf8Low = 0x80;
      utf8High = 0xbf;
      return;
    }
    utf8Low = 0x80;
    utf8High = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      utf8Left = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      utf8Left = 2;
      utf8Low = b == 0xe0 ? 0xa0 : 0x80;
      utf8High = b == 0xed ? 0x9f : 0xbf;
    } else if (b >= 0xf0 && b <= 0xf4) {
      utf8Left = 3;
      utf8Low = b == 0xf0 ? 0x90 : 0x80;
      utf8High = b == 0xf4 ? 0x8f : 0xbf;
    } else {
      throw malformed("has a string that is not UTF-8");
    }
  }

  private void structural(byte b) {
    if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
      return;
    }
    switch (state) {
      case VALUE, FIRST_VALUE_OR_END -> {
        if (b == ']' && state == State.FIRST_VALUE_OR_END) {
          close(false, b);
        } else {
          value(b);
        }
      }
      case FIRST_NAME_OR_END, NAME -> {
        if (b == '}' && state == State.FIRST_NAME_OR_END) {
          close(true, b);
        } else if (b == '"') {
          startString(true);
        } else {
          throw malformed("has no member name where one belongs");
        }
      }
      case COLON -> {
        if (b != ':') {
          throw malformed("has no colon after a member name");
        }
        state = State.VALUE;
      }
      case AFTER_VALUE -> {
        if (depth == 0) {
          value(b);
        } else if (b == ',') {
          state = objects[depth - 1] ? State.NAME : State.VALUE;
        } else if (b == '}' || b == ']') {
          close(b == '}', b);
        } else {
          throw malformed("has no comma between values");
        }
      }
      default -> throw new IllegalStateException(state.name());
    }
  }

  private void value(byte b) {
    if (depth == 0) {
      roots++;
    }
    if (b != '"') {
      captureNext = false;
    }
    tokenStart = offset;
    switch (b) {
      case '{', '[' -> {
        boolean object = b == '{';
        if (depth == MAX_DEPTH) {
          throw malformed("nests deeper than " + MAX_DEPTH);
        }
        if (depth == objects.length) {
          objects = java.util.Arrays.copyOf(objects, depth * 2);
        }
        objects[depth++] = object;
        state = object ? State.FIRST_NAME_OR_END : State.FIRST_VALUE_OR_END;
        tokens.startContainer(object, offset, offset + 1);
      }
      case '"' -> startString(false);
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> {
        if (b == '-' || b >= '0' && b <= '9') {
          state = State.NUMBER;
        } else {
          throw malformed("has an unexpected character");
        }
      }
    }
  }

  private void close(boolean object, byte b) {
    if (depth == 0 || objects[depth - 1] != object) {
      throw malformed("closes a container it did not open");
    }
    depth--;
    state = State.AFTER_VALUE;
    tokens.endContainer(object, offset, offset + 1);
  }

  private void literal(String word) {
    literal = word.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    literalAt = 1;
    state = State.LITERAL;
  }

  private void startString(boolean name) {
    tokenStart = offset;
    stringIsName = name;
    collecting = name || captureNext;
    captureNext = false;
    tooLong = false;
    text.reset();
    if (collecting) {
      text.write('"');
    }
    state = State.STRING;
  }

  private void collect(byte b) {
    if (collecting && !tooLong) {
      if (text.size() >= (stringIsName ? maxNameBytes : MAX_CAPTURED_BYTES)) {
        tooLong = true;
      } else {
        text.write(b);
      }
    }
  }

  private void endString() {
    String decoded = null;
    if (collecting && !tooLong) {
      text.write('"');
      try (JsonParser parser = JSON.createParser(text.toByteArray())) {
        parser.nextToken();
        decoded = parser.getText();
      } catch (IOException e) {
        throw malformed("has a string that is not valid");
      }
    }
    if (stringIsName) {
      state = State.COLON;
      tokens.name(decoded, tokenStart, offset + 1);
    } else {
      state = State.AFTER_VALUE;
      tokens.scalar(tokenStart, offset + 1, decoded);
    }
  }

  private void endScalar(long end) {
    state = State.AFTER_VALUE;
    tokens.scalar(tokenStart, end, null);
  }

  private static IllegalStateException malformed(String problem) {
    return new IllegalStateException("the backend's JSON " + problem);
  }
}
