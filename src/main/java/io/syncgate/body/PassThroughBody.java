package io.syncgate.body;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A backend or client body read through a wrapper that changes what it carries or when it ends,
 * not how fast it flows: pausing, resuming and fetching reach the wrapped stream unchanged, so
 * back-pressure does. The relay's wrappers and PouchDB's rewrites both build on it.
 */
public abstract class PassThroughBody implements ReadStream<Buffer> {

  protected final ReadStream<Buffer> source;

  protected PassThroughBody(ReadStream<Buffer> source) {
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
