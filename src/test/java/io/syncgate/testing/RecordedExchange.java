package io.syncgate.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One recorded Sync Gateway exchange (a case file of {@code sync-gateway-4.0-responses}, whose
 * README gives the format): the request as it was sent, and what this side answers to it, read
 * off a plain socket as the recording was made (fresh connection, {@code Connection: close}, no
 * header the file does not list).
 */
record RecordedExchange(String file, JsonObject request, JsonObject response) {

  /** What came back: interim status lines, the final status, headers (lower-cased) and the de-chunked body. */
  record Answer(List<String> interim, int status, MultiMap headers, String body, boolean stillOpen) {}

  static RecordedExchange read(Path file) throws IOException {
    JsonObject json = new JsonObject(Files.readString(file));
    return new RecordedExchange(file.getFileName().toString(), json.getJsonObject("request"),
        json.getJsonObject("response"));
  }

  boolean admin() {
    return request.getString("port").equals("admin");
  }

  /** A continuous feed or a WebSocket: read for a while, not to the close. */
  boolean streams() {
    return response.containsKey("socket_reads") || response.getInteger("status") == 101;
  }

  /**
   * Sends the request to {@code port}, its path, headers and body rewritten by {@code substitute}
   * (placeholders and values this side made differently), with {@code extraHeaders} added.
   */
  Answer send(int port, UnaryOperator<String> substitute, Map<String, String> extraHeaders) throws IOException {
    StringBuilder head = new StringBuilder(request.getString("method")).append(' ')
        .append(substitute.apply(request.getString("path"))).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port)
        .append("\r\n");
    JsonObject headers = request.getJsonObject("headers", new JsonObject());
    if (!headers.containsKey("Connection")) {
      head.append("Connection: close\r\n");
    }
    headers.forEach(h -> head.append(h.getKey()).append(": ").append(substitute.apply(String.valueOf(h.getValue())))
        .append("\r\n"));
    extraHeaders.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    byte[] body = new byte[0];
    if (request.containsKey("body")) {
      Object value = request.getValue("body");
      String text = value instanceof JsonObject o ? o.encode() : value instanceof JsonArray a ? a.encode()
          : String.valueOf(value);
      body = substitute.apply(text).getBytes(StandardCharsets.UTF_8);
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] wire = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, wire, 0, headBytes.length);
    System.arraycopy(body, 0, wire, headBytes.length, body.length);
    String raw = streams()
        ? RawHttp.exchangeFor(port, new String(wire, StandardCharsets.ISO_8859_1), STREAM_READ)
        : readAnswer(port, wire, request.getString("method").equals("HEAD"));
    return parse(raw);
  }

  /**
   * How long a feed or WebSocket is read: long enough for a caught-up feed's first newline and a
   * 101's head, which both come at once.
   */
  private static final Duration STREAM_READ = Duration.ofMillis(800);

  /**
   * Sends {@code wire} and reads the answer until it is complete by its own framing
   * ({@code Content-Length}, the last chunk, or nothing after a HEAD's head), or the connection
   * closes: a refused upgrade ({@code Connection: Upgrade}, no {@code close}) is answered on a
   * connection the server keeps open.
   */
  private static String readAnswer(int port, byte[] wire, boolean head) throws IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(wire);
      socket.getOutputStream().flush();
      java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      while (true) {
        int n;
        try {
          n = socket.getInputStream().read(chunk);
        } catch (java.net.SocketTimeoutException quiet) {
          return read.toString(StandardCharsets.ISO_8859_1) + RawHttp.STILL_OPEN;
        }
        if (n < 0) {
          return read.toString(StandardCharsets.ISO_8859_1);
        }
        read.write(chunk, 0, n);
        if (complete(read.toByteArray(), head)) {
          return read.toString(StandardCharsets.ISO_8859_1);
        }
      }
    }
  }

  /** Whether {@code raw} holds a whole final response (interim 1xx heads skipped). */
  static boolean complete(byte[] raw, boolean head) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int at = 0;
    while (true) {
      int end = text.indexOf("\r\n\r\n", at);
      if (end < 0) {
        return false;
      }
      String[] lines = text.substring(at, end).split("\r\n");
      String[] statusLine = lines[0].split(" ");
      int status = statusLine.length > 1 && statusLine[1].matches("\\d{3}") ? Integer.parseInt(statusLine[1]) : 0;
      int bodyStart = end + 4;
      if (status >= 100 && status < 200 && status != 101) {
        at = bodyStart;
        continue;
      }
      if (head || status == 204 || status == 304) {
        return true;
      }
      for (int i = 1; i < lines.length; i++) {
        String line = lines[i].toLowerCase(java.util.Locale.ROOT);
        if (line.startsWith("content-length:")) {
          return raw.length - bodyStart >= Long.parseLong(line.substring(15).trim());
        }
        if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
          return text.substring(bodyStart).equals("0\r\n\r\n") || text.endsWith("\r\n0\r\n\r\n");
        }
      }
      return false;
    }
  }

  static Answer parse(String raw) {
    boolean stillOpen = raw.endsWith(RawHttp.STILL_OPEN);
    String rest = stillOpen ? raw.substring(0, raw.length() - RawHttp.STILL_OPEN.length()) : raw;
    List<String> interim = new ArrayList<>();
    while (true) {
      int end = rest.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new IllegalStateException("no complete response head in: " + raw);
      }
      String head = rest.substring(0, end);
      rest = rest.substring(end + 4);
      String[] lines = head.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      if (status >= 100 && status < 200 && status != 101) {
        interim.add(lines[0]);
        continue;
      }
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.add(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
      String body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? dechunk(rest) : rest;
      return new Answer(interim, status, headers,
          new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8), stillOpen);
    }
  }

  /** The chunks' data, as far as they came (a feed still open has no last chunk). */
  private static String dechunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (at < chunked.length()) {
      int lineEnd = chunked.indexOf("\r\n", at);
      if (lineEnd < 0) {
        break;
      }
      int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      int start = lineEnd + 2;
      body.append(chunked, start, Math.min(chunked.length(), start + size));
      at = start + size + 2;
    }
    return body.toString();
  }
}
