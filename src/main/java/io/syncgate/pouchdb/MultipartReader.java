package io.syncgate.pouchdb;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a MIME multipart body (RFC 2046 §5.1) as it streams: each part's headers, then its bytes
 * as they come, never a whole part. Only the bytes that might begin the next delimiter are held.
 */
final class MultipartReader {

  /** What a reader tells of the parts it finds. */
  interface Parts {
    void start(MultiMap headers);

    void data(Buffer bytes);

    void end();
  }

  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final int MAX_PADDING = 256;
  private static final byte[] CRLF_CRLF = {'\r', '\n', '\r', '\n'};

  private enum State { PREAMBLE, DELIMITER, HEADERS, BODY, CLOSED }

  private final byte[] delimiter;
  private final Parts parts;
  private State state = State.PREAMBLE;
  private byte[] buffer = new byte[8192];
  private int length;

  MultipartReader(String boundary, Parts parts) {
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.parts = parts;
    // The first delimiter may open the body with no line break before it.
    append(new byte[] {'\r', '\n'}, 0, 2);
  }

  /** The {@code boundary} parameter of a multipart {@code Content-Type}, or null. */
  static String boundary(String contentType) {
    if (contentType == null) {
      return null;
    }
    for (String parameter : contentType.split(";")) {
      String trimmed = parameter.trim();
      if (trimmed.regionMatches(true, 0, "boundary=", 0, 9)) {
        String value = trimmed.substring(9).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        return value.isEmpty() || value.length() > 70 ? null : value;
      }
    }
    return null;
  }

  static boolean isMultipart(String contentType) {
    return contentType != null && contentType.trim().toLowerCase(Locale.ROOT).startsWith("multipart/");
  }

  void feed(Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    append(bytes, 0, bytes.length);
    process();
  }

  void end() {
    if (state != State.CLOSED) {
      throw new IllegalStateException("the backend's multipart body ended before its closing delimiter");
    }
  }

  private void process() {
    int at = 0;
    boolean progress = true;
    while (progress && state != State.CLOSED) {
      progress = false;
      switch (state) {
        case PREAMBLE -> {
          int found = delimiterAt(at);
          if (found >= 0) {
            at = found + delimiter.length;
            state = State.DELIMITER;
            progress = true;
          } else {
            at = Math.max(at, safeEnd(at, found));
          }
        }
        case DELIMITER -> {
          // After a delimiter: "--" closes the body; otherwise optional padding, then CRLF.
          if (length - at < 2) {
            break;
          }
          if (buffer[at] == '-' && buffer[at + 1] == '-') {
            state = State.CLOSED;
            at = length;
            break;
          }
          int lineEnd = indexOf(new byte[] {'\r', '\n'}, at);
          if (lineEnd < 0) {
            if (length - at > 256) {
              throw new IllegalStateException("the backend's multipart delimiter line is malformed");
            }
            break;
          }
          at = lineEnd + 2;
          state = State.HEADERS;
          progress = true;
        }
        case HEADERS -> {
          int headersEnd;
          if (length - at >= 2 && buffer[at] == '\r' && buffer[at + 1] == '\n') {
            headersEnd = at;
          } else {
            int found = indexOf(CRLF_CRLF, at);
            if (found < 0) {
              if (length - at > MAX_HEADER_BYTES) {
                throw new IllegalStateException("the backend's multipart part headers are too large");
              }
              break;
            }
            headersEnd = found + 2;
          }
          parts.start(headers(at, headersEnd));
          at = headersEnd + 2;
          state = State.BODY;
          progress = true;
        }
        case BODY -> {
          int found = delimiterAt(at);
          int safe = found >= 0 ? found : Math.max(at, safeEnd(at, found));
          if (safe > at) {
            parts.data(Buffer.buffer().appendBytes(buffer, at, safe - at));
            at = safe;
          }
          if (found >= 0) {
            parts.end();
            at = found + delimiter.length;
            state = State.DELIMITER;
            progress = true;
          }
        }
        case CLOSED -> { }
      }
    }
    if (state == State.CLOSED) {
      length = 0;
      return;
    }
    System.arraycopy(buffer, at, buffer, 0, length - at);
    length -= at;
  }

  private MultiMap headers(int from, int to) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    // Sync Gateway writes header values (attachment file names) as UTF-8.
    String block = new String(buffer, from, to - from, StandardCharsets.UTF_8);
    for (String line : block.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.add(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return headers;
  }

  private static final int UNDECIDED = -2;
  private int undecidedAt;

  /**
   * Where the next delimiter starts: "CRLF--boundary" followed by "--" or by optional padding and
   * CRLF (RFC 2046 §5.1.1), so body bytes that merely begin like one are not taken for one. -1
   * when there is none; {@link #UNDECIDED} when the bytes so far cannot tell, from {@link #undecidedAt}.
   */
  private int delimiterAt(int from) {
    int candidate = from;
    while ((candidate = indexOf(delimiter, candidate)) >= 0) {
      int after = candidate + delimiter.length;
      if (after + 1 < length && buffer[after] == '-' && buffer[after + 1] == '-') {
        return candidate;
      }
      int at = after;
      while (at < length && (buffer[at] == ' ' || buffer[at] == '\t')) {
        if (++at - after > MAX_PADDING) {
          throw new IllegalStateException("the backend's multipart delimiter line is malformed");
        }
      }
      if (at + 1 >= length) {
        undecidedAt = candidate;
        return UNDECIDED;
      }
      if (buffer[at] == '\r' && buffer[at + 1] == '\n') {
        return candidate;
      }
      candidate++;
    }
    return -1;
  }

  /** How far bytes from {@code from} are surely not part of a delimiter. */
  private int safeEnd(int from, int found) {
    return found == UNDECIDED ? undecidedAt : Math.max(from, length - delimiter.length + 1);
  }

  private int indexOf(byte[] pattern, int from) {
    int last = length - pattern.length;
    outer:
    for (int i = from; i <= last; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (buffer[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private void append(byte[] bytes, int offset, int count) {
    if (length + count > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + count));
    }
    System.arraycopy(bytes, offset, buffer, length, count);
    length += count;
  }
}
