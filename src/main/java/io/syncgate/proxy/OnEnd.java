package io.syncgate.proxy;

import io.syncgate.body.PassThroughBody;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** A body passed on unchanged, with something to do once it has all been read. */
final class OnEnd extends PassThroughBody {

  private final Runnable atEnd;

  OnEnd(ReadStream<Buffer> source, Runnable atEnd) {
    super(source);
    this.atEnd = atEnd;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    source.endHandler(handler == null ? null : v -> {
      atEnd.run();
      handler.handle(null);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    source.handler(handler);
    return this;
  }

}
