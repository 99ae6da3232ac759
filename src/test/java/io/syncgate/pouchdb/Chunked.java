package io.syncgate.pouchdb;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.Charset;

/** Feeds a {@link Transform} its input in chunks of one size, as a backend might send it. */
final class Chunked {

  private Chunked() {}

  static String run(Transform transform, byte[] bytes, int chunk, Charset charset) {
    Buffer out = Buffer.buffer();
    for (int i = 0; i < bytes.length; i += chunk) {
      transform.feed(Buffer.buffer().appendBytes(bytes, i, Math.min(chunk, bytes.length - i)), out::appendBuffer);
    }
    transform.end(out::appendBuffer);
    return out.toString(charset);
  }
}
