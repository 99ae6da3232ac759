package io.syncgate.pouchdb;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A backend body read through a {@link Transform}: the same stream, paused and resumed by the
 * client's pace as the original would be, so back-pressure reaches the backend unchanged. A body
 * the transform cannot read fails the stream, which closes the exchange.
 */
final class TransformedBody implements ReadStream<Buffer> {

  private final ReadStream<Buffer> source;
  private final Transform transform;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private boolean failed;

  TransformedBody(ReadStream<Buffer> source, Transform transform) {
    this.source = source;
    this.transform = transform;
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
    if (exceptionHandler != null) {
      exceptionHandler.handle(e);
    }
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }
}
