package io.syncgate.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A backend or client body read through a wrapper that changes when it ends, not how fast it
 * flows: pausing, resuming and fetching reach the wrapped stream unchanged, so back-pressure does.
 */
abstract class PassThroughBody implements ReadStream<Buffer> {

  final ReadStream<Buffer> source;

  PassThroughBody(ReadStream<Buffer> source) {
    this.source = source;
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
