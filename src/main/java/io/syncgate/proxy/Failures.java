package io.syncgate.proxy;

import io.syncgate.failure.GatewayFailure;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyResponse;

/** A {@link GatewayFailure} as the proxy's answer, in place of the backend's: its status, headers and body. */
final class Failures {

  private static final MediaType JSON = MediaType.parse("application/json");

  private Failures() {}

  static void answer(ProxyResponse response, GatewayFailure failure) {
    response.setStatusCode(failure.status()).setStatusMessage(null);
    failure.headers().forEach((name, value) -> {
      // The body's media type is the Content-Type the proxy writes.
      if (!"content-type".equals(name)) {
        response.headers().set(name, value);
      }
    });
    response.setBody(Body.body(failure.body(), JSON));
  }
}
