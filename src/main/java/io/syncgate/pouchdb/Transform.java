package io.syncgate.pouchdb;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * A streaming rewrite of a response body: fed the backend's bytes as they arrive, it hands on
 * what the client gets as soon as it is decided. Throws {@link IllegalStateException} on a body
 * it cannot read; the exchange is then closed, since its head has already been sent.
 */
interface Transform {

  void feed(Buffer chunk, Consumer<Buffer> out);

  void end(Consumer<Buffer> out);
}
