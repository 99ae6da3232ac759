package io.syncgate.pouchdb;

import io.syncgate.body.PassThroughBody;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend body read through a {@link Transform}: the same stream, paused and resumed by the
 * client's pace as the original would be, so back-pressure reaches the backend unchanged. A body
 * the transform cannot read, or one past a bound of what a rewrite may hold, fails the stream,
 * which closes this exchange alone (its head is already sent), logged at WARN with its request id.
 */
final class TransformedBody extends PassThroughBody {

  private static final Logger log = LoggerFactory.getLogger(TransformedBody.class);

  private final Transform transform;
  private final String requestId;
  private final String path;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private boolean failed;

  TransformedBody(ReadStream<Buffer> source, Transform transform, String requestId, String path) {
    super(source);
    this.transform = transform;
    this.requestId = requestId;
    this.path = path;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    exceptionHandler = handler;
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    dataHandler = handler;
    source.handler(handler == null ? null : chunk -> {
      if (failed) {
        return;
      }
      try {
        transform.feed(chunk, this::emit);
      } catch (RuntimeException e) {
        fail(e);
      }
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    endHandler = handler;
    source.endHandler(handler == null ? null : v -> {
      if (failed) {
        return;
      }
      try {
        transform.end(this::emit);
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      if (endHandler != null) {
        endHandler.handle(null);
      }
    });
    return this;
  }

  private void emit(Buffer buffer) {
    if (dataHandler != null) {
      dataHandler.handle(buffer);
    }
  }

  private void fail(RuntimeException e) {
    failed = true;
    log.warn("{} {}: the response was cut short: {}", requestId, path, e.getMessage());
    if (exceptionHandler != null) {
      exceptionHandler.handle(e);
    }
  }
}
