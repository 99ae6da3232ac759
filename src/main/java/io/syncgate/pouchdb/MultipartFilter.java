package io.syncgate.pouchdb;

import io.syncgate.pouchdb.DocumentFilter.Shape;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A multipart answer ({@code _bulk_get}, {@code open_revs}, a document with its attachments) passed
 * on part by part for a client that reads multipart. Structure decides what a part is, never a
 * label an uploader chose: in a {@code multipart/related} body only the first part is the document
 * (filtered by {@link DocumentFilter}) and every other part is an attachment's bytes, passed
 * untouched whatever its {@code Content-Type}; in SG's {@code multipart/mixed} body each part is a
 * revision, JSON or a nested {@code multipart/related}, labelled by SG. Parts are re-delimited
 * with the backend's own boundaries; only their lengths change.
 */
final class MultipartFilter implements Transform {

  private final String boundary;
  private final boolean nested;
  private final boolean related;
  private final MultipartReader reader;
  private int parts;
  private Buffer out;
  private boolean firstPart = true;
  private Transform body;

  /**
   * @param nested whether this body is a part of another
   * @param related whether it is {@code multipart/related}: a document and its attachments
   */
  MultipartFilter(String boundary, boolean nested, boolean related) {
    this.boundary = boundary;
    this.nested = nested;
    this.related = related;
    this.reader = new MultipartReader(boundary, new MultipartReader.Parts() {
      @Override
      public void start(MultiMap headers) {
        out.appendString(firstPart ? "--" : "\r\n--").appendString(boundary).appendString("\r\n");
        firstPart = false;
        for (Map.Entry<String, String> header : headers) {
          if (!header.getKey().equalsIgnoreCase("content-length")) {
            out.appendString(header.getKey() + ": " + header.getValue() + "\r\n", "UTF-8");
          }
        }
        out.appendString("\r\n");
        body = related ? parts++ == 0 ? new DocumentFilter(Shape.DOCUMENT) : null : revision(headers);
      }

      @Override
      public void data(Buffer bytes) {
        if (body == null) {
          out.appendBuffer(bytes);
        } else {
          body.feed(bytes, out::appendBuffer);
        }
      }

      @Override
      public void end() {
        if (body != null) {
          body.end(out::appendBuffer);
        }
        body = null;
      }
    });
  }

  /** A part of SG's {@code multipart/mixed}: one revision, as SG labelled it. */
  private static Transform revision(MultiMap headers) {
    if (headers.contains("content-encoding")) {
      throw new IllegalStateException("the backend compressed a multipart part");
    }
    String type = headers.get("content-type");
    String lower = type == null ? "" : type.toLowerCase(Locale.ROOT);
    if (lower.startsWith("application/json")) {
      return new DocumentFilter(Shape.DOCUMENT);
    }
    if (lower.startsWith("multipart/related")) {
      String inner = MultipartReader.boundary(type);
      if (inner == null) {
        throw new IllegalStateException("a multipart part has no boundary");
      }
      return new MultipartFilter(inner, true, true);
    }
    return null;
  }

  @Override
  public void feed(Buffer chunk, Consumer<Buffer> sink) {
    out = Buffer.buffer();
    reader.feed(chunk);
    flush(sink);
  }

  @Override
  public void end(Consumer<Buffer> sink) {
    out = Buffer.buffer();
    reader.end();
    // SG trims the line break after a nested body's closing delimiter; the outer delimiter brings one.
    out.appendString(firstPart ? "--" : "\r\n--").appendString(boundary).appendString(nested ? "--" : "--\r\n");
    flush(sink);
  }

  private void flush(Consumer<Buffer> sink) {
    if (out.length() > 0) {
      sink.accept(out);
    }
    out = null;
  }
}
