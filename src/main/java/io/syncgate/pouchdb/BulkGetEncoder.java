package io.syncgate.pouchdb;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncgate.pouchdb.DocumentFilter.Shape;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Re-encodes Sync Gateway's {@code multipart/mixed} answer to {@code _bulk_get} as the JSON
 * that CouchDB gives and PouchDB reads (SG #2318): {@code {"results":[{"docs":[{"ok":doc}],"id":…}]}},
 * one entry per part, an error part as {@code {"error":…}}. A document's attachments that SG sends
 * as following parts become inline base64 {@code data}, encoded as their bytes stream by. Document
 * bodies pass through {@link DocumentFilter}, so they carry no member PouchDB refuses.
 */
final class BulkGetEncoder implements Transform {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_PART_BYTES = 64 * 1024;

  private final MultipartReader mixed;
  private Buffer out;
  private boolean opened;
  private boolean firstResult = true;

  BulkGetEncoder(String boundary) {
    this.mixed = new MultipartReader(boundary, new MixedParts());
  }

  @Override
  public void feed(Buffer chunk, Consumer<Buffer> sink) {
    out = Buffer.buffer();
    open();
    mixed.feed(chunk);
    flush(sink);
  }

  @Override
  public void end(Consumer<Buffer> sink) {
    out = Buffer.buffer();
    open();
    mixed.end();
    out.appendString("]}\n");
    flush(sink);
  }

  private void open() {
    if (!opened) {
      out.appendString("{\"results\":[\n");
      opened = true;
    }
  }

  private void flush(Consumer<Buffer> sink) {
    if (out.length() > 0) {
      sink.accept(out);
    }
    out = null;
  }

  private void startResult(String member) {
    out.appendString(firstResult ? "" : ",\n").appendString("{\"docs\":[{\"" + member + "\":");
    firstResult = false;
  }

  private void endResult(String id) {
    out.appendString("}]");
    if (id != null) {
      out.appendString(",\"id\":").appendBytes(quote(id));
    }
    out.appendString("}");
  }

  private static byte[] quote(String text) {
    byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(text);
    byte[] quoted = new byte[escaped.length + 2];
    quoted[0] = '"';
    System.arraycopy(escaped, 0, quoted, 1, escaped.length);
    quoted[quoted.length - 1] = '"';
    return quoted;
  }

  private static String contentType(MultiMap headers) {
    String type = headers.get("content-type");
    return type == null ? "application/json" : type.toLowerCase(Locale.ROOT);
  }

  /** The parts of the outer {@code multipart/mixed}: one per requested revision. */
  private final class MixedParts implements MultipartReader.Parts {
    private MultipartReader.Parts part;

    @Override
    public void start(MultiMap headers) {
      if (headers.contains("content-encoding")) {
        throw new IllegalStateException("the backend compressed a _bulk_get part");
      }
      String type = contentType(headers);
      if (type.startsWith("multipart/related")) {
        String boundary = MultipartReader.boundary(headers.get("content-type"));
        if (boundary == null) {
          throw new IllegalStateException("a _bulk_get part has no multipart boundary");
        }
        part = new RelatedPart(boundary);
      } else if (type.contains("error=")) {
        part = new ErrorPart();
      } else {
        part = new DocumentPart(new DocumentFilter(Shape.ONE_DOCUMENT), true);
      }
      part.start(headers);
    }

    @Override
    public void data(Buffer bytes) {
      part.data(bytes);
    }

    @Override
    public void end() {
      part.end();
      part = null;
    }
  }

  /** A document without following attachments: streamed through the filter. */
  private final class DocumentPart implements MultipartReader.Parts {
    private final DocumentFilter filter;
    private final boolean whole;

    DocumentPart(DocumentFilter filter, boolean whole) {
      this.filter = filter;
      this.whole = whole;
    }

    @Override
    public void start(MultiMap headers) {
      if (whole) {
        startResult("ok");
      }
    }

    @Override
    public void data(Buffer bytes) {
      filter.feed(bytes, out::appendBuffer);
    }

    @Override
    public void end() {
      filter.end(out::appendBuffer);
      if (whole) {
        endResult(filter.documentId());
      }
    }
  }

  /** SG's error part ({@code {"id","rev","error","reason","status"}}): small, read whole. */
  private final class ErrorPart implements MultipartReader.Parts {
    private final Buffer body = Buffer.buffer();

    @Override
    public void start(MultiMap headers) {
    }

    @Override
    public void data(Buffer bytes) {
      if (body.length() + bytes.length() > MAX_ERROR_PART_BYTES) {
        throw new IllegalStateException("a _bulk_get error part is too large");
      }
      body.appendBuffer(bytes);
    }

    @Override
    public void end() {
      JsonNode error;
      try {
        error = JSON.readTree(body.getBytes());
      } catch (java.io.IOException e) {
        throw new IllegalStateException("a _bulk_get error part is not JSON", e);
      }
      if (!error.isObject()) {
        throw new IllegalStateException("a _bulk_get error part is not a JSON object");
      }
      startResult("error");
      out.appendString(error.toString());
      endResult(error.path("id").isTextual() ? error.get("id").asText() : null);
    }
  }

  /**
   * A document with attachments ({@code multipart/related}): the JSON first, its
   * {@code _attachments} read by {@link AttachmentEntries} and its closing brace withheld; then one
   * part per following attachment, whose bytes become that attachment's {@code data}. Only the
   * first part is a document: every other part is an attachment's bytes, whatever it is labelled.
   */
  private final class RelatedPart implements MultipartReader.Parts {
    private final MultipartReader related;
    private final AttachmentEntries attachments = new AttachmentEntries();
    private final DocumentFilter filter = new DocumentFilter(Shape.ONE_DOCUMENT, "_attachments", attachments, true);
    private int index;
    private boolean opened;
    private final Base64Stream base64 = new Base64Stream();

    RelatedPart(String boundary) {
      this.related = new MultipartReader(boundary, new MultipartReader.Parts() {
        @Override
        public void start(MultiMap headers) {
          if (index++ == 0) {
            return;
          }
          String name = filename(headers.get("content-disposition"));
          if (!attachments.started()) {
            throw new IllegalStateException("a _bulk_get attachment part matches no following attachment");
          }
          byte[] meta = attachments.takeFollowing(name);
          openAttachments();
          out.appendString(attachments.separator()).appendBytes(quote(name)).appendString(":{").appendBytes(meta)
              .appendString(meta.length > 0 ? ",\"data\":\"" : "\"data\":\"");
        }

        @Override
        public void data(Buffer bytes) {
          if (index == 1) {
            filter.feed(bytes, out::appendBuffer);
          } else {
            base64.feed(bytes, out);
          }
        }

        @Override
        public void end() {
          if (index == 1) {
            filter.end(out::appendBuffer);
          } else {
            base64.end(out);
            out.appendString("\"}");
          }
        }
      });
    }

    /** Opens {@code _attachments} after the document for the following entries, unless it is open in place. */
    private void openAttachments() {
      if (!opened && !attachments.inPlace()) {
        out.appendString(filter.rootMembers() > 0 ? "," : "").appendString("\"_attachments\":{")
            .appendBuffer(attachments.takeHeld());
      }
      opened = true;
    }

    @Override
    public void start(MultiMap headers) {
      startResult("ok");
    }

    @Override
    public void data(Buffer bytes) {
      related.feed(bytes);
    }

    @Override
    public void end() {
      related.end();
      if (index == 0) {
        throw new IllegalStateException("a _bulk_get part holds no document");
      }
      if (!attachments.allFollowingCame()) {
        throw new IllegalStateException("a _bulk_get attachment that follows never came");
      }
      if (opened) {
        out.appendString("}");
        if (attachments.slot() == DocumentFilter.Slot.FILLED_HOLD_REST) {
          out.appendBuffer(filter.heldRest());
        }
      }
      out.appendString("}");
      endResult(filter.documentId());
    }
  }

  /** The {@code filename} of a {@code Content-Disposition}, which SG writes with Go's {@code %q}. */
  static String filename(String disposition) {
    if (disposition == null) {
      throw new IllegalStateException("an attachment part has no Content-Disposition");
    }
    int at = disposition.toLowerCase(Locale.ROOT).indexOf("filename=");
    if (at < 0) {
      throw new IllegalStateException("an attachment part has no filename");
    }
    String value = disposition.substring(at + 9).trim();
    if (!value.startsWith("\"")) {
      int semicolon = value.indexOf(';');
      return semicolon < 0 ? value : value.substring(0, semicolon).trim();
    }
    return goUnquote(value);
  }

  /**
   * Undoes Go's strconv.Quote: a double-quoted string whose backslash escapes are a b f n r t v,
   * quote, backslash, x and two hex digits or three octal digits (bytes of UTF-8), u and four or
   * U and eight hex digits (code points).
   */
  static String goUnquote(String quoted) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    StringBuilder name = new StringBuilder();
    int i = 1;
    while (i < quoted.length()) {
      char c = quoted.charAt(i);
      if (c == '"') {
        flushBytes(bytes, name);
        return name.toString();
      }
      if (c != '\\') {
        flushBytes(bytes, name);
        name.append(c);
        i++;
        continue;
      }
      if (i + 1 >= quoted.length()) {
        break;
      }
      char e = quoted.charAt(i + 1);
      if (e != 'x' && (e < '0' || e > '7')) {
        flushBytes(bytes, name);
      }
      switch (e) {
        case 'a' -> name.append('\u0007');
        case 'b' -> name.append('\b');
        case 'f' -> name.append('\f');
        case 'n' -> name.append('\n');
        case 'r' -> name.append('\r');
        case 't' -> name.append('\t');
        case 'v' -> name.append('\u000b');
        case '\\', '"', '\'' -> name.append(e);
        case 'x' -> {
          bytes.write(hex(quoted, i + 2, 2));
          i += 4;
          continue;
        }
        case 'u', 'U' -> {
          int digits = e == 'u' ? 4 : 8;
          flushBytes(bytes, name);
          name.appendCodePoint(hex(quoted, i + 2, digits));
          i += 2 + digits;
          continue;
        }
        default -> {
          if (e >= '0' && e <= '7' && i + 3 < quoted.length()) {
            bytes.write(Integer.parseInt(quoted.substring(i + 1, i + 4), 8));
            i += 4;
            continue;
          }
          throw new IllegalStateException("an attachment part's filename has an unknown escape");
        }
      }
      flushBytes(bytes, name);
      i += 2;
    }
    throw new IllegalStateException("an attachment part's filename is not closed");
  }

  private static int hex(String text, int from, int digits) {
    if (from + digits > text.length()) {
      throw new IllegalStateException("an attachment part's filename has a short escape");
    }
    try {
      return Integer.parseInt(text.substring(from, from + digits), 16);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("an attachment part's filename has a bad escape");
    }
  }

  /** Go's \\x and octal escapes are bytes of UTF-8; they become characters once complete. */
  private static void flushBytes(java.io.ByteArrayOutputStream bytes, StringBuilder name) {
    if (bytes.size() > 0) {
      name.append(bytes.toString(StandardCharsets.UTF_8));
      bytes.reset();
    }
  }

  /** Base64 of a byte stream, written as it arrives; up to two bytes wait for their group of three. */
  static final class Base64Stream {
    private final byte[] carry = new byte[3];
    private int carried;

    void feed(Buffer bytes, Buffer out) {
      byte[] in = bytes.getBytes();
      int at = 0;
      while (carried > 0 && carried < 3 && at < in.length) {
        carry[carried++] = in[at++];
      }
      if (carried == 3) {
        out.appendBytes(Base64.getEncoder().encode(carry));
        carried = 0;
      }
      int whole = (in.length - at) / 3 * 3;
      if (whole > 0) {
        out.appendBytes(Base64.getEncoder().encode(java.util.Arrays.copyOfRange(in, at, at + whole)));
        at += whole;
      }
      while (at < in.length) {
        carry[carried++] = in[at++];
      }
    }

    void end(Buffer out) {
      if (carried > 0) {
        out.appendBytes(Base64.getEncoder().encode(java.util.Arrays.copyOf(carry, carried)));
        carried = 0;
      }
    }
  }
}
